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
  ].join('\n');
}
