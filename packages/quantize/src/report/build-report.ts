import type { FeedBatch, FeedBatches, Model, TensorProbe } from '@vit-opt/graph';
import { requireProbe } from '../calibration/tensor-session.js';
import { OptionReader } from '../options/option-readers.js';
import { activationErrors } from './activation-errors.js';
import { measurePairSaturation, type PairSaturation } from './pair-saturation.js';
import type { TensorError } from './tensor-error.js';
import { weightErrors } from './weight-errors.js';

export interface QuantizationReportOptions {
  /** Samples (images) the activations are compared on (default 8: the error of a layer settles fast). */
  sampleLimit?: number;
  /** What runs the models (e.g. @vit-opt/eval's createTensorProbe()). */
  probe: TensorProbe;
  signal?: AbortSignal;
}

/** Per-tensor quantization error, worst first: what to exclude when accuracy drops. JSON as is. */
export interface QuantizationErrorReport {
  readonly sampleCount: number;
  readonly tensors: TensorError[];
  /**
   * Every u8 × s8-weight product, most saturating first: the share of its pairs of products that
   * leave int16 on the same samples, which CPUs without VNNI clip. Empty for other layouts.
   */
  readonly saturation: PairSaturation[];
}

/**
 * The SQNR of every quantized weight, and of every quantized activation on the first samples of
 * `samples`, between `floatModel` and its quantized copy `quantizedModel`, sorted worst first
 * with the float model's node names. Static models (QDQ or QOperator) are compared at their 8-bit
 * activations; dynamic, int4 and fp16 ones at the outputs of the nodes they rewrote (the
 * dynamic MatMul's output, before its bias Add) or run in float16.
 */
export async function buildQuantizationReport(
  floatModel: Model,
  quantizedModel: Model,
  samples: FeedBatches,
  options: QuantizationReportOptions,
): Promise<QuantizationErrorReport> {
  const read = new OptionReader('buildQuantizationReport', options, ['sampleLimit', 'probe', 'signal']);
  const sampleLimit = read.integer('sampleLimit', 8, 1, Number.MAX_SAFE_INTEGER);
  const probe = requireProbe(options.probe, 'the quantization error report');
  const weights = weightErrors(floatModel, quantizedModel);
  // Both measurements read the same few batches, and `samples` may be a one-shot stream.
  const batches = await firstBatches(samples, sampleLimit, options.signal);
  const activations = await activationErrors(floatModel, quantizedModel, batches, {
    sampleLimit,
    probe,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  options.signal?.throwIfAborted();
  const saturation = await measurePairSaturation(quantizedModel, batches, { probe });
  const tensors = [...weights, ...activations.errors].sort((a, b) => a.sqnrDb - b.sqnrDb);
  return { sampleCount: activations.sampleCount, tensors, saturation };
}

/** The batches of `samples` up to `sampleLimit` samples (images). */
async function firstBatches(
  samples: FeedBatches,
  sampleLimit: number,
  signal: AbortSignal | undefined,
): Promise<FeedBatch[]> {
  const batches: FeedBatch[] = [];
  let count = 0;
  for await (const feeds of samples) {
    signal?.throwIfAborted();
    batches.push(feeds);
    count += Object.values(feeds)[0]?.dims[0] ?? 0;
    if (count >= sampleLimit) break;
  }
  return batches;
}
