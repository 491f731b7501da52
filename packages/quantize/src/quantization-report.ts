import type { SkippedNode } from './graph/weighted-nodes.js';

export interface QuantizedNode {
  readonly name: string;
  readonly opType: string;
  readonly weightName: string;
  /** As stored in the source model. */
  readonly weightShape: readonly number[];
  readonly perChannel: boolean;
  /** Weights per block along K, for block-wise (int4) quantization. */
  readonly blockSize?: number;
  /** 20·log10(‖w‖ / ‖w − ŵ‖); +∞ (null in JSON) when the weight is exact. */
  readonly weightSqnrDb: number;
}

/** What a weight-quantizing mode did to a model. */
export interface QuantizationReport {
  readonly quantizedNodes: QuantizedNode[];
  readonly skipped: SkippedNode[];
  /** Initializer bytes of the whole model before and after. */
  readonly sizeBytesBefore: number;
  readonly sizeBytesAfter: number;
}

/** One line for a pass note or a log. */
export function summarizeReport(report: QuantizationReport): string {
  const mib = (bytes: number): string => `${(bytes / 1024 ** 2).toFixed(2)} MiB`;
  return (
    `quantized ${report.quantizedNodes.length} nodes, left ${report.skipped.length} float; ` +
    `initializers ${mib(report.sizeBytesBefore)} → ${mib(report.sizeBytesAfter)}`
  );
}
