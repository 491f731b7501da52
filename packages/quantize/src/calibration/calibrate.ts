import { VitOptError, type FeedBatch, type FeedBatches, type Model } from '@vit-opt/graph';
import { assertNotQuantized } from '../model-checks.js';
import { planQdqLayout } from '../static/qdq-layout.js';
import type { ActivationRanges, TensorRange } from './activation-ranges.js';
import {
  calibrationSettingsForRecord,
  createCollector,
  normalizeCalibrationOptions,
  type CalibrationOptions,
} from './calibration-options.js';
import type { RangeCollector } from './range-collector.js';
import { TensorSession, requireProbe, type TensorValues } from './tensor-session.js';

/**
 * Runs the model through `options.probe` on every batch of `data` and returns the range of each tensor
 * the static layout quantizes (the same layout options must go to quantizeStatic). Each tensor
 * streams into its own fixed-size collector, so memory is one batch of activations plus one
 * min/max pair or histogram per tensor, however many samples there are.
 */
export async function calibrate(
  model: Model,
  data: FeedBatches,
  options: CalibrationOptions,
): Promise<ActivationRanges> {
  const settings = normalizeCalibrationOptions(options);
  const probe = requireProbe(settings.probe, 'calibration');
  settings.signal?.throwIfAborted();
  assertNotQuantized(model, 'calibrate');
  const tensors = planQdqLayout(model, settings.layout).calibrated.map((value) => value.name);
  if (tensors.length === 0) {
    throw new VitOptError('INVALID_ARGUMENT', 'nothing to calibrate: the layout quantizes no tensor of this model', { subject: 'model' });
  }
  const collectors = new Map<string, RangeCollector>(tensors.map((name) => [name, createCollector(settings)]));
  const session = await TensorSession.create(model, tensors, probe);
  const started = performance.now();
  let batches = 0;
  let samples = 0;
  try {
    for await (const feeds of data) {
      settings.signal?.throwIfAborted();
      const values = await session.run(feeds);
      for (const [name, collector] of collectors) collector.add(floatValues(name, values.get(name)!));
      batches++;
      samples += leadingDimension(feeds);
      settings.onProgress?.({ batches, samples, elapsedMs: performance.now() - started });
    }
  } finally {
    await session.dispose();
  }
  if (batches === 0) {
    throw new VitOptError('INVALID_ARGUMENT', 'the calibration data yielded no batch', { subject: 'data' });
  }
  return {
    method: settings.method,
    settings: calibrationSettingsForRecord(settings),
    sampleCount: samples,
    tensors: Object.fromEntries(tensors.map((name) => [name, rangeOf(name, collectors.get(name)!)])),
  };
}

function floatValues(name: string, values: TensorValues): Float32Array {
  if (values instanceof Float32Array) return values;
  throw new VitOptError('UNSUPPORTED', 'only float32 tensors can be calibrated; this one is 8-bit (is the model already quantized?)', {
    subject: name,
  });
}

function rangeOf(name: string, collector: RangeCollector): TensorRange {
  const range = collector.range();
  if (range === undefined) {
    throw new VitOptError('UNSUPPORTED', 'every value calibration saw in this tensor was NaN or infinite', { subject: name });
  }
  return range;
}

function leadingDimension(feeds: FeedBatch): number {
  const first = Object.values(feeds)[0];
  return first?.dims[0] ?? 0;
}
