import { describe, expect, it } from 'vitest';
import type { FeedBatch, TensorProbe } from '@vit-opt/graph';
import { createTensorProbe } from '@vit-opt/eval';
import { fixtureTestData, loadFixture, probe } from '../testing/fixtures.js';
import { quantizeDynamic } from '../passes/quantize-dynamic.js';
import { projectionsModel, seededValues } from '../testing/small-models.js';
import { planQdqLayout } from '../static/qdq-layout.js';
import { normalizeStaticOptions } from '../static/static-options.js';
import { calibrate } from './calibrate.js';
import type { CalibrationProgress } from './calibration-options.js';

/** `count` batches of seeded inputs for a model with input x[batch, 8, 16]. */
function* projectionBatches(count: number, batch = 2): Generator<FeedBatch> {
  for (let i = 0; i < count; i++) yield { x: { data: seededValues(batch * 8 * 16, 100 + i), dims: [batch, 8, 16] } };
}

describe('calibrate', () => {
  it('returns a range for exactly the tensors the static layout quantizes', async () => {
    const model = projectionsModel();
    const ranges = await calibrate(model, projectionBatches(3), { probe });
    const layout = planQdqLayout(model, normalizeStaticOptions({}));
    expect(Object.keys(ranges.tensors).sort()).toEqual(layout.calibrated.map((v) => v.name).sort());
    expect(ranges.method).toBe('minmax');
    expect(ranges.sampleCount).toBe(6);
    for (const range of Object.values(ranges.tensors)) expect(range.min).toBeLessThanOrEqual(range.max);
    // The model input's range is the inputs' own.
    expect(ranges.tensors.x!.max).toBeLessThanOrEqual(1);
    expect(ranges.tensors.x!.max).toBeGreaterThan(0.9);
  });

  it('runs the model through the tensor probe it is given, and needs one', async () => {
    const opened: string[][] = [];
    const onnxruntime = createTensorProbe({ threads: 1 });
    const counting: TensorProbe = (model, names) => {
      opened.push([...names]);
      return onnxruntime(model, names);
    };
    const ranges = await calibrate(projectionsModel(), projectionBatches(2), { probe: counting });
    expect(opened).toEqual([Object.keys(ranges.tensors)]);
    await expect(calibrate(projectionsModel(), projectionBatches(1), { probe: 'ort' as never })).rejects.toThrow(/probe/);
    await expect(calibrate(projectionsModel(), projectionBatches(1), {} as never)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      subject: 'probe',
      message: "calibration runs the model: give a probe (a TensorProbe, e.g. @vit-opt/eval's createTensorProbe())",
    });
  });

  it('follows the layout options: activation MatMuls only when asked, with their inputs', async () => {
    const all = await calibrate(projectionsModel(), projectionBatches(1), { probe, quantizeActivationMatMuls: true });
    const weightedOnly = await calibrate(projectionsModel(), projectionBatches(1), { probe });
    expect(Object.keys(weightedOnly.tensors)).toEqual(['x']);
    expect(Object.keys(all.tensors).length).toBeGreaterThan(1);
  });

  it('streams any number of batches, reporting progress after each', async () => {
    const progress: CalibrationProgress[] = [];
    async function* feeds(): AsyncGenerator<FeedBatch> {
      yield* projectionBatches(5, 3);
    }
    const ranges = await calibrate(projectionsModel(), feeds(), { probe, method: 'percentile', percentile: 99.9, onProgress: (p) => progress.push(p) });
    expect(progress.map((p) => [p.batches, p.samples])).toEqual([
      [1, 3],
      [2, 6],
      [3, 9],
      [4, 12],
      [5, 15],
    ]);
    expect(ranges.settings).toMatchObject({ percentile: 99.9, symmetric: false, histogramBins: 2048 });
  });

  it('stops between batches when the signal aborts', async () => {
    const controller = new AbortController();
    const reason = new Error('stopped by the user');
    const run = calibrate(projectionsModel(), projectionBatches(10), { probe,
      signal: controller.signal,
      onProgress: (p) => p.batches === 2 && controller.abort(reason),
    });
    await expect(run).rejects.toBe(reason);
  });

  it('refuses empty data and bad options with one line', async () => {
    await expect(calibrate(projectionsModel(), [], { probe })).rejects.toThrow('the calibration data yielded no batch');
    await expect(calibrate(projectionsModel(), projectionBatches(1), { probe, method: 'kl' as never })).rejects.toThrow(
      "calibrate option 'method' must be one of minmax, percentile, entropy, got \"kl\"",
    );
    await expect(calibrate(projectionsModel(), projectionBatches(1), { probe, percentile: 30 })).rejects.toThrow(/percentile' must be above 50/);
    await expect(calibrate(projectionsModel(), projectionBatches(1), { probe, onProgress: 'yes' as never })).rejects.toThrow(
      "calibrate option 'onProgress' must be a function",
    );
    await expect(calibrate(projectionsModel(), [{ pixels: { data: new Float32Array(4), dims: [1, 4] } }], { probe })).rejects.toThrow(
      /^onnxruntime cannot run the model on these inputs \(.*x/,
    );
    const quantized = projectionsModel();
    quantizeDynamic(quantized);
    await expect(calibrate(quantized, projectionBatches(1), { probe })).rejects.toThrow(/^cannot calibrate: the model is already quantized/);
  });

  it('calibrates both fixture styles with every method', async () => {
    for (const name of ['vit-tiny-hf', 'vit-tiny-tv'] as const) {
      const { pixels, dims } = fixtureTestData(name);
      for (const method of ['minmax', 'percentile', 'entropy'] as const) {
        const ranges = await calibrate(loadFixture(name), [{ pixel_values: { data: pixels, dims } }], { probe, method });
        const widths = Object.values(ranges.tensors).map((r) => r.max - r.min);
        expect(widths.every((w) => w > 0 && Number.isFinite(w))).toBe(true);
      }
    }
  });
});
