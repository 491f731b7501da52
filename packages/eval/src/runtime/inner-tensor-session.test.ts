import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeTensor, loadModel } from '@vit-opt/graph';
import { describe, expect, it } from 'vitest';
import { InnerTensorSession, createTensorProbe } from './inner-tensor-session.js';

const fixture = (path: string): string =>
  fileURLToPath(new URL(`../../../../fixtures/models/vit-tiny-hf/${path}`, import.meta.url));

describe('InnerTensorSession', () => {
  const model = loadModel(fixture('model.onnx'));
  const input = decodeTensor(readFileSync(fixture('test_data_set_0/input_0.pb')));
  const logits = decodeTensor(readFileSync(fixture('test_data_set_0/output_0.pb'))).float32();
  const feeds = {
    [input.name]: { type: 'float32' as const, data: input.float32(), dims: input.dims },
  };
  const patchEmbedding = model.graph.nodes.find((node) => node.opType === 'Conv')!.output(0).name;
  const outputName = model.graph.outputs[0]!.name;

  it('returns inner tensors with the outputs, leaving the model as it was', async () => {
    const outputsBefore = model.graph.outputs.map((v) => v.name);
    const session = await InnerTensorSession.open(model, [patchEmbedding, outputName], {
      threads: 1,
    });
    try {
      const values = await session.run(feeds);
      expect(values.get(patchEmbedding)!.type).toBe('float32');
      expect((values.get(patchEmbedding)!.data as Float32Array).length).toBe(4 * 64 * 4 * 4); // 4 images, 64 channels, 4 × 4 patches of 7 × 7;
      const computed = values.get(outputName)!.data as Float32Array;
      computed.forEach((x, i) => expect(x).toBeCloseTo(logits[i]!, 4));
    } finally {
      await session.dispose();
    }
    expect(model.graph.outputs.map((v) => v.name)).toEqual(outputsBefore);
  });

  it('serves as graph’s TensorProbe: named tensors with their dims', async () => {
    const session = await createTensorProbe({ threads: 1 })(model, [patchEmbedding]);
    try {
      const values = await session.run(feeds);
      expect(values.get(patchEmbedding)!.dims).toEqual([4, 64, 4, 4]);
    } finally {
      await session.dispose();
    }
  });

  it('names a tensor the model does not have', async () => {
    await expect(InnerTensorSession.open(model, ['no-such-tensor'])).rejects.toThrow(
      "the model has no tensor named 'no-such-tensor'",
    );
  });

  it('turns a run onnxruntime refuses into one line about the inputs', async () => {
    const session = await InnerTensorSession.open(model, [outputName]);
    try {
      const wrongShape = {
        [input.name]: {
          type: 'float32' as const,
          data: new Float32Array(3 * 8 * 8),
          dims: [1, 3, 8, 8],
        },
      };
      await expect(session.run(wrongShape)).rejects.toThrow(
        /^onnxruntime cannot run the model on these inputs \(/,
      );
    } finally {
      await session.dispose();
    }
  });
});
