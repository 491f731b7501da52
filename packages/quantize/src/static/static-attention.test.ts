import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { calibrate } from '../calibration/calibrate.js';
import { fuseTransformer } from '../fusion/fuse-transformer.js';
import { FIXTURE_NAMES, fixtureTestData, loadFixture, probe } from '../testing/fixtures.js';
import { cosineSimilarity, createSession, opCounts, runLogits } from '../testing/onnxruntime.js';
import { quantizeStatic } from './quantize-static.js';

const scratch = mkdtempSync(join(tmpdir(), 'vit-opt-static-attention-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe.each(FIXTURE_NAMES)('quantizeStatic of a fused %s', (name) => {
  const { pixels, dims, logits } = fixtureTestData(name);
  const feeds = [{ pixel_values: { data: pixels, dims } }];

  async function fusedAndCalibrated() {
    const model = loadFixture(name);
    fuseTransformer(model);
    const inputName = model.graph.inputs[0]!.name;
    const ranges = await calibrate(model, [{ [inputName]: feeds[0]!.pixel_values }], { probe });
    return { model, ranges };
  }

  it('turns each fused Attention into QAttention reading the calibrated 8-bit input, which onnxruntime runs', async () => {
    const { model, ranges } = await fusedAndCalibrated();
    const report = quantizeStatic(model, ranges);
    expect(report.quantizedNodes.filter((node) => node.opType === 'Attention')).toHaveLength(4);
    const qattention = model.graph.nodes.filter((node) => node.opType === 'QAttention');
    expect(qattention).toHaveLength(4);
    for (const node of qattention) {
      // input, scale and zero point from the input's QuantizeLinear; the weight is int8 per column.
      const quantize = node.input(0).producer()!;
      expect(quantize.opType).toBe('QuantizeLinear');
      expect(node.input(3)).toBe(quantize.input(1));
      expect(node.input(6)).toBe(quantize.input(2));
      expect(node.input(1).initializer!.dims[1]).toBe(node.input(4).initializer!.dims[0]);
    }
    const optimized = join(scratch, `${name}.onnx`);
    const computed = await runLogits(
      await createSession(model, { optimizedModelPath: optimized }),
      pixels,
      dims,
    );
    expect(opCounts(optimized).get('QAttention')).toBe(4);
    expect(cosineSimilarity(computed, logits)).toBeGreaterThan(0.999);
  });

  it('quantizes the attention input to uint8 even with int8 activations, QAttention taking only uint8', async () => {
    const { model, ranges } = await fusedAndCalibrated();
    quantizeStatic(model, ranges, { activationType: 'int8' });
    for (const node of model.graph.nodes.filter((n) => n.opType === 'QAttention'))
      expect(node.input(6).initializer!.dtype).toBe(2); // UINT8
    const computed = await runLogits(await createSession(model), pixels, dims);
    expect(cosineSimilarity(computed, logits)).toBeGreaterThan(0.99);
  });

  it('leaves Attention float when its op type is not selected', async () => {
    const { model, ranges } = await fusedAndCalibrated();
    quantizeStatic(model, ranges, { opTypes: ['MatMul', 'Gemm', 'Conv'] });
    expect(model.graph.nodes.filter((n) => n.opType === 'Attention')).toHaveLength(4);
    expect(model.graph.nodes.filter((n) => n.opType === 'QAttention')).toHaveLength(0);
  });
});
