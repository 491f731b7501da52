import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { imageFolderFeeds, loadPreprocessConfig } from '@vit-opt/eval/data';
import { calibrate } from '../calibration/calibrate.js';
import { FIXTURE_NAMES, REPO_ROOT, fixtureDir, loadFixture, probe } from '../testing/fixtures.js';
import { createSession, opCounts } from '../testing/onnxruntime.js';
import { quantizeStatic } from './quantize-static.js';

const scratch = mkdtempSync(join(tmpdir(), 'vit-opt-qdq-fusion-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Kernels onnxruntime's CPU provider makes of the QDQ node groups. */
const INTEGER_KERNELS = ['QGemm', 'MatMulIntegerToFloat', 'QLinearMatMul', 'QLinearConv'];

describe.each(FIXTURE_NAMES)('what onnxruntime makes of the QDQ model of %s', (name) => {
  it.each([
    ['attention products float (the default)', false],
    ['attention products on 8-bit inputs', true],
  ])('fuses every quantized node into an integer kernel and runs the rearranging ops on 8-bit data: %s', async (_, quantizeActivationMatMuls) => {
    const float = loadFixture(name);
    const preprocess = await loadPreprocessConfig(join(fixtureDir(name), 'preprocessor_config.json'));
    const calibration = await imageFolderFeeds(float, join(REPO_ROOT, 'fixtures/data/fashion-mnist/calib'), {
      preprocess,
      batchSize: 32,
      limit: 64,
      workers: 1,
    });
    const ranges = await calibrate(float, calibration.feeds, { probe, quantizeActivationMatMuls });
    const quantized = float.clone();
    const report = quantizeStatic(quantized, ranges, { quantizeActivationMatMuls });
    const path = join(scratch, `${name}-${quantizeActivationMatMuls}.optimized.onnx`);
    await createSession(quantized, { optimizedModelPath: path });
    const ops = opCounts(path);

    const kernels = INTEGER_KERNELS.reduce((sum, op) => sum + (ops.get(op) ?? 0), 0);
    expect(kernels).toBe(report.quantizedNodes.length + report.activationMatMuls.length);
    expect(ops.get('QLinearConv')).toBe(1);
    expect(ops.get('QGemm')).toBeGreaterThanOrEqual(4 * 4);
    if (quantizeActivationMatMuls) {
      // Attention: Q·Kᵀ writes float for the Softmax, P·V writes 8 bits for the output projection.
      expect(ops.get('QLinearMatMul')).toBe(4);
      for (const float32Op of ['MatMul', 'FusedMatMul']) expect(ops.get(float32Op) ?? 0).toBe(0);
    } else {
      // Q·Kᵀ and P·V, float: onnxruntime folds the score scale into a FusedMatMul.
      expect((ops.get('MatMul') ?? 0) + (ops.get('FusedMatMul') ?? 0)).toBe(8);
    }
    for (const float32Op of ['Gemm', 'Conv']) expect(ops.get(float32Op) ?? 0).toBe(0);
    // Only the patch embedding's output is dequantized on its own, for the float Concat with the
    // class token (onnxruntime moves that DequantizeLinear past the Reshape and Transpose, and the
    // tv export reads a Shape there too): every other one runs inside a kernel.
    expect(ops.get('DequantizeLinear') ?? 0).toBeLessThanOrEqual(2);
    // Softmax, LayerNorm and GELU stay float.
    expect(ops.get('Softmax')).toBe(4);
    expect(ops.get('LayerNormalization')).toBe(9);
    expect(ops.get('QLinearSoftmax') ?? 0).toBe(0);
  });
});
