import { VitOptError, type Model } from '@vit-opt/graph';
import type { InputFeeds } from '@vit-opt/eval/data';
import { OptionReader } from '../options/option-readers.js';
import { activationErrors } from './activation-errors.js';
import type { TensorError } from './tensor-error.js';
import { weightErrors } from './weight-errors.js';

export interface QuantizationReportOptions {
  /** Samples (images) the activations are compared on (default 8: the error of a layer settles fast). */
  sampleLimit?: number;
  /** onnxruntime intra-op threads (default onnxruntime's). */
  threads?: number;
  signal?: AbortSignal;
}

/** Per-tensor quantization error, worst first: what to exclude when accuracy drops. JSON as is. */
export interface QuantizationErrorReport {
  readonly sampleCount: number;
  readonly tensors: TensorError[];
}

/** Ops only a QOperator model has; its activations have no QuantizeLinear to compare at. */
const QOPERATOR_OPS = new Set(['QLinearMatMul', 'QLinearConv']);

/**
 * The SQNR of every quantized weight, and of every quantized activation on the first samples of
 * `samples`, between `floatModel` and its QDQ-quantized copy `quantizedModel`, sorted worst first
 * with the float model's node names.
 */
export async function buildQuantizationReport(
  floatModel: Model,
  quantizedModel: Model,
  samples: AsyncIterable<InputFeeds> | Iterable<InputFeeds>,
  options: QuantizationReportOptions = {},
): Promise<QuantizationErrorReport> {
  const read = new OptionReader('buildQuantizationReport', options, ['sampleLimit', 'threads', 'signal']);
  const sampleLimit = read.integer('sampleLimit', 8, 1, Number.MAX_SAFE_INTEGER);
  const threads = options.threads === undefined ? undefined : read.integer('threads', 1, 1, 1024);
  const qoperator = quantizedModel.graph.nodes.find((node) => QOPERATOR_OPS.has(node.opType));
  if (qoperator !== undefined) {
    throw new VitOptError(
      'UNSUPPORTED',
      `the error report compares QDQ models; this one is in QOperator form (${qoperator.describe()}): report on the QDQ model`,
      { subject: 'quantizedModel' },
    );
  }
  const weights = weightErrors(floatModel, quantizedModel);
  const activations = await activationErrors(floatModel, quantizedModel, samples, {
    sampleLimit,
    ...(threads === undefined ? {} : { threads }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  const tensors = [...weights, ...activations.errors].sort((a, b) => a.sqnrDb - b.sqnrDb);
  return { sampleCount: activations.sampleCount, tensors };
}
