import type { QuantizationErrorReport } from './build-report.js';

export interface FormatReportOptions {
  /** Rows shown, worst first (default 20; Infinity for all). */
  readonly limit?: number;
}

/**
 * The report as a table for a terminal, worst first:
 *
 *   SQNR dB  kind        tensor                          quantized in (to exclude)
 *      14.2  activation  /encoder/layer.11/Add_output_0  /encoder/layer.11/output/dense/MatMul
 */
export function formatReport(report: QuantizationErrorReport, options: FormatReportOptions = {}): string {
  const limit = options.limit ?? 20;
  const rows = report.tensors.slice(0, limit).map((entry) => [
    Number.isFinite(entry.sqnrDb) ? entry.sqnrDb.toFixed(1) : entry.sqnrDb > 0 ? 'exact' : '-inf',
    entry.kind,
    entry.tensor,
    entry.nodes.join(', '),
  ]);
  const header = ['SQNR dB', 'kind', 'tensor', 'quantized in (to exclude)'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, column) => (column === 0 ? cell.padStart(widths[0]!) : column === cells.length - 1 ? cell : cell.padEnd(widths[column]!)))
      .join('  ');
  const hidden = report.tensors.length - rows.length;
  const footer = hidden > 0 ? [`… ${hidden} more (better) tensors`] : [];
  return [
    `Quantization error per tensor, worst first (activations over ${report.sampleCount} samples):`,
    line(header),
    ...rows.map(line),
    ...footer,
    ...formatSaturation(report, limit),
  ].join('\n');
}

/**
 * The saturation check: one summary line, then the products whose pairs leave int16, worst
 * first. Products with u8 or 7-bit weights show nothing, having nothing to clip.
 */
function formatSaturation(report: QuantizationErrorReport, limit: number): string[] {
  const products = report.saturation;
  if (products.length === 0) return [];
  const risky = products.filter((p) => p.saturated > 0);
  const title =
    `\nu8×s8 pair sums beyond int16 (clipped by CPUs without VNNI: AVX2, AVX-512 without VNNI; exact ` +
    `with VNNI, AMX and on Arm): ${risky.length} of ${products.length} quantized products`;
  if (risky.length === 0) return [`${title}. Safe to deploy on any CPU.`];
  const rows = risky.slice(0, limit).map((p) => [
    `${(100 * p.share).toPrecision(2)}%`,
    String(p.maxAbsPairSum),
    p.activation,
    p.node,
  ]);
  const header = ['pairs', 'max |sum|', 'activation', 'node (to exclude)'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]): string =>
    cells.map((cell, column) => (column < 2 ? cell.padStart(widths[column]!) : column === cells.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ');
  const hidden = risky.length - rows.length;
  return [
    `${title}. On such a CPU quantize with --target avx2 (7-bit weights) or portable.`,
    line(header),
    ...rows.map(line),
    ...(hidden > 0 ? [`… ${hidden} more products with saturating pairs`] : []),
  ];
}
