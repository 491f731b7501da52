/**
 * JSON text of a results document that a person can read and diff. Scalars, arrays of scalars,
 * and objects whose values are those (a per-image record, a latency block, a confusion cell) go
 * on one line; everything else is indented by two spaces. 50,000 image records stay 50,000
 * lines, not 500,000. Numbers are written by JSON.stringify, whose shortest round-trip form reads
 * back as the same float64 bits.
 */
export function formatResultsJson(document: unknown): string {
  return `${formatValue(document, '')}\n`;
}

function formatValue(value: unknown, indent: string): string {
  if (fitsOnOneLine(value)) return JSON.stringify(value);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    return `[\n${value.map((element) => inner + formatValue(element, inner)).join(',\n')}\n${indent}]`;
  }
  const lines = Object.entries(value as object)
    .filter(([, v]) => v !== undefined)
    .map(([key, v]) => `${inner}${JSON.stringify(key)}: ${formatValue(v, inner)}`);
  return `{\n${lines.join(',\n')}\n${indent}}`;
}

function fitsOnOneLine(value: unknown): boolean {
  if (isScalar(value)) return true;
  if (Array.isArray(value)) return value.every(isScalar);
  return Object.values(value as object).every(
    (child) => isScalar(child) || (Array.isArray(child) && child.every(isScalar)),
  );
}

function isScalar(value: unknown): boolean {
  return value === null || typeof value !== 'object';
}
