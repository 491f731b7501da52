import { describe, expect, it } from 'vitest';
import { RESAMPLE_FILTERS } from './resample-filters.js';
import { resizeRgb } from './resize.js';
import type { RgbImage } from './rgb-image.js';

// Exact agreement with Pillow on real photos is pinned by pillow-vectors.test.ts; these are
// the properties that hold for any correct Pillow-style resampler.

function solid(width: number, height: number, rgb: [number, number, number]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i += 3) data.set(rgb, i);
  return { width, height, data };
}

describe('resizeRgb', () => {
  it.each(RESAMPLE_FILTERS)('keeps a flat colour flat, up and down (%s)', (filter) => {
    for (const [width, height] of [
      [7, 3],
      [31, 45],
    ] as const) {
      const resized = resizeRgb(solid(13, 11, [200, 17, 255]), width, height, filter);
      expect(resized.width).toBe(width);
      expect(resized.height).toBe(height);
      for (let i = 0; i < resized.data.length; i += 3) {
        expect([...resized.data.subarray(i, i + 3)]).toEqual([200, 17, 255]);
      }
    }
  });

  it('returns the image itself when the size does not change', () => {
    const image = solid(4, 4, [1, 2, 3]);
    expect(resizeRgb(image, 4, 4, 'lanczos')).toBe(image);
  });

  it('samples nearest pixels at half-step offsets, as Pillow does', () => {
    const row: RgbImage = {
      width: 4,
      height: 1,
      data: Uint8Array.of(0, 0, 0, 10, 0, 0, 20, 0, 0, 30, 0, 0),
    };
    const halved = resizeRgb(row, 2, 1, 'nearest');
    expect([halved.data[0], halved.data[3]]).toEqual([10, 30]);
  });

  it('averages with an antialiasing kernel when shrinking (a 2:1 box is the pair mean, rounded)', () => {
    const row: RgbImage = {
      width: 4,
      height: 1,
      data: Uint8Array.of(0, 0, 0, 11, 0, 0, 100, 0, 0, 200, 0, 0),
    };
    const halved = resizeRgb(row, 2, 1, 'box');
    expect([halved.data[0], halved.data[3]]).toEqual([6, 150]);
  });

  it("clips the overshoot of negative-lobe kernels, giving Pillow's bytes on a step edge", () => {
    const step = [0, 0, 0, 255, 255, 255].flatMap((v) => [v, v, v]);
    const edge: RgbImage = { width: 6, height: 1, data: Uint8Array.of(...step) };
    const reds = (filter: 'bicubic' | 'lanczos'): number[] =>
      [...resizeRgb(edge, 18, 1, filter).data].filter((_, i) => i % 3 === 0);
    // Image.fromarray(row).resize((18, 1), filter) with Pillow 9.4.
    expect(reds('bicubic')).toEqual([
      0, 0, 0, 0, 0, 0, 0, 0, 76, 179, 255, 255, 255, 255, 255, 255, 255, 255,
    ]);
    expect(reds('lanczos')).toEqual([
      0, 0, 3, 7, 0, 0, 0, 0, 77, 178, 255, 255, 255, 255, 248, 252, 255, 255,
    ]);
  });
});
