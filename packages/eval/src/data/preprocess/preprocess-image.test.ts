import { describe, expect, it } from 'vitest';
import type { PreprocessConfig } from './config.js';
import { preprocessImage, preprocessedSize, resizedSize } from './preprocess-image.js';
import type { RgbImage } from './rgb-image.js';

const PLAIN: PreprocessConfig = {
  size: null,
  resample: 'bilinear',
  cropSize: null,
  rescaleFactor: null,
  normalize: null,
};

/** Pixel (x, y) has red x, green y, blue 7. */
function gradient(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set([x, y, 7], (y * width + x) * 3);
  }
  return { width, height, data };
}

describe('resizedSize', () => {
  it('keeps the aspect ratio for a shortest edge, truncating the long side like HF', () => {
    expect(resizedSize({ shortestEdge: 256 }, 400, 267)).toEqual({ height: 256, width: 383 });
    expect(resizedSize({ shortestEdge: 256 }, 225, 400)).toEqual({ height: 455, width: 256 });
    expect(resizedSize({ shortestEdge: 224 }, 300, 300)).toEqual({ height: 224, width: 224 });
  });

  it('uses height x width as given', () => {
    expect(resizedSize({ height: 28, width: 32 }, 400, 267)).toEqual({ height: 28, width: 32 });
  });
});

describe('preprocessImage', () => {
  it('writes channels first (CHW)', () => {
    const values = preprocessImage(gradient(3, 2), PLAIN);
    expect([...values]).toEqual([0, 1, 2, 0, 1, 2, 0, 0, 0, 1, 1, 1, 7, 7, 7, 7, 7, 7]);
  });

  it('rescales then normalizes per channel, rounded like HF in float32', () => {
    const config = {
      ...PLAIN,
      rescaleFactor: 1 / 255,
      normalize: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
    } as const;
    const [red] = preprocessImage({ width: 1, height: 1, data: Uint8Array.of(200, 0, 0) }, config);
    const rescaled = Math.fround(200 / 255);
    expect(red).toBe(Math.fround(Math.fround(rescaled - Math.fround(0.485)) / Math.fround(0.229)));
  });

  it('center crops from floor((size - crop) / 2), like HF', () => {
    const values = preprocessImage(gradient(5, 4), { ...PLAIN, cropSize: { height: 2, width: 2 } });
    expect([...values.subarray(0, 4)]).toEqual([1, 2, 1, 2]);
    expect([...values.subarray(4, 8)]).toEqual([1, 1, 2, 2]);
  });

  it('pads with zero pixels where the crop is larger than the image, then normalizes them', () => {
    const config = {
      ...PLAIN,
      cropSize: { height: 1, width: 4 },
      normalize: { mean: [1, 1, 1], std: [2, 2, 2] },
    } as const;
    const values = preprocessImage(gradient(1, 1), config);
    // HF pads ceil((4 - 1) / 2) = 2 columns on the left, so the pixel lands in column 2.
    expect([...values.subarray(8, 12)]).toEqual([-0.5, -0.5, 3, -0.5]);
  });

  it('writes into a slot of a batch when given one', () => {
    const batch = new Float32Array(2 * 3 * 2 * 3);
    const slot = preprocessImage(gradient(3, 2), PLAIN, { data: batch, offset: 18 });
    expect(slot.buffer).toBe(batch.buffer);
    expect(batch.subarray(0, 18).every((v) => v === 0)).toBe(true);
    expect(batch[18 + 2]).toBe(2);
  });
});

describe('preprocessedSize', () => {
  it('is the crop, else the height x width resize', () => {
    expect(
      preprocessedSize({
        ...PLAIN,
        size: { shortestEdge: 256 },
        cropSize: { height: 224, width: 224 },
      }),
    ).toEqual({
      height: 224,
      width: 224,
    });
    expect(preprocessedSize({ ...PLAIN, size: { height: 28, width: 28 } })).toEqual({
      height: 28,
      width: 28,
    });
  });

  it('is an error when every image would come out a different size', () => {
    expect(() => preprocessedSize({ ...PLAIN, size: { shortestEdge: 256 } })).toThrow(
      /does not give every image the same size/,
    );
    expect(() => preprocessedSize(PLAIN)).toThrow(/same size/);
  });
});
