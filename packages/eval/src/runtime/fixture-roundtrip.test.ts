import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InferenceSession } from 'onnxruntime-node';
import { decodeTensor, loadModel, saveModel, simplify } from '@vit-opt/graph';
import { describe, expect, it } from 'vitest';
import { createOnnxRuntimeEvaluator } from './constant-evaluator.js';
import { toOrtTensor } from './tensor-convert.js';

const root = new URL('../../../../fixtures/models/', import.meta.url).pathname;

async function logits(path: string, input: ReturnType<typeof decodeTensor>): Promise<Float32Array> {
  const session = await InferenceSession.create(path);
  const out = await session.run({ pixel_values: toOrtTensor(input) });
  await session.release();
  return out.logits!.data as Float32Array;
}

const maxAbsDifference = (a: Float32Array, b: Float32Array) =>
  a.reduce((max, v, i) => Math.max(max, Math.abs(v - b[i]!)), 0);

describe('the fixtures through onnxruntime, before and after our load→save and simplify', () => {
  for (const name of ['vit-tiny-hf', 'vit-tiny-tv']) {
    it(`${name}: same outputs (within 1e-5) as the original and as PyTorch`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'vit-opt-fixture-'));
      const original = join(root, name, 'model.onnx');
      const input = decodeTensor(readFileSync(join(root, name, 'test_data_set_0/input_0.pb')));
      const expected = decodeTensor(readFileSync(join(root, name, 'test_data_set_0/output_0.pb'))).float32();

      const saved = join(dir, 'saved.onnx');
      saveModel(loadModel(original), saved);
      const simplifiedModel = loadModel(original);
      const report = await simplify(simplifiedModel, { evaluator: createOnnxRuntimeEvaluator() });
      const simplified = join(dir, 'simplified.onnx');
      saveModel(simplifiedModel, simplified);

      const before = await logits(original, input);
      expect(maxAbsDifference(before, expected)).toBeLessThan(1e-5);
      expect(maxAbsDifference(await logits(saved, input), before)).toBeLessThan(1e-5);
      expect(maxAbsDifference(await logits(simplified, input), before)).toBeLessThan(1e-5);
      expect(report.nodesAfter).toBeLessThan(report.nodesBefore);
    });
  }
});
