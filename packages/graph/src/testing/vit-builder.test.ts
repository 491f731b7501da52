import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { encodeModel } from '../io/encode.js';
import { TINY, TORCHVISION, buildVit, type ExportStyle } from './vit-builder.js';

// The builder's export styles must be models onnxruntime runs, or tests built on them prove
// nothing; graph itself never runs a model, its tests may (onnxruntime-node is the repo's).

/** The logits of `style`'s ViT (seeded weights) on one seeded 16×16 image. */
async function logitsOf(style: ExportStyle): Promise<Float32Array> {
  const model = buildVit(style, { ...TINY, headsPerLayer: [4, 4, 4] }, { seed: 5 });
  const session = await ort.InferenceSession.create(encodeModel(model), {
    intraOpNumThreads: 1,
  });
  try {
    const pixels = Float32Array.from({ length: 3 * 16 * 16 }, (_, i) => Math.sin(i * 0.37));
    const feeds = { pixel_values: new ort.Tensor('float32', pixels, [1, 3, 16, 16]) };
    const output = await session.run(feeds);
    return output[session.outputNames[0]!]!.data as Float32Array;
  } finally {
    await session.release();
  }
}

describe('VitBuilder: torchvision’s ways of cutting the packed q/k/v projection', () => {
  it.each(['split', 'unflatten-gather'] as const)(
    '%s runs and computes what Slice cuts compute',
    async (qkvCut) => {
      const expected = await logitsOf({ ...TORCHVISION, qkvCut: 'slice' });
      expect(expected).toHaveLength(TINY.classes);
      expect(expected.every(Number.isFinite)).toBe(true);
      expect(await logitsOf({ ...TORCHVISION, qkvCut })).toEqual(expected);
    },
  );
});
