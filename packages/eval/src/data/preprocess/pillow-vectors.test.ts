import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { resolvePreprocessConfig, type PreprocessConfig } from './config.js';
import { decodeImage } from './decode.js';
import { preprocessImage } from './preprocess-image.js';

/**
 * fixtures/preprocess holds real photos and what Hugging Face's Pillow-based processors make of
 * them (scripts/fixtures/make_preprocess_vectors.py): the uint8 pixels after resize and crop for
 * every vector, and the final float32 tensor for some. Ours must be within 1/255 of them.
 */
const FIXTURES = new URL('../../../../../fixtures/preprocess/', import.meta.url);

interface Vector {
  readonly input: string;
  readonly config: string;
  readonly shape: [number, number, number, number];
  readonly pixels: string;
  readonly tensor?: string;
}

const manifest = JSON.parse(readFileSync(new URL('manifest.json', FIXTURES), 'utf8')) as {
  configs: Record<string, unknown>;
  vectors: Vector[];
};

async function ours(vector: Vector): Promise<{ values: Float32Array; config: PreprocessConfig }> {
  const config = resolvePreprocessConfig(manifest.configs[vector.config], {
    source: vector.config,
  });
  const image = await decodeImage(readFileSync(new URL(vector.input, FIXTURES)), vector.input);
  return { values: preprocessImage(image, config), config };
}

/** Largest difference in the rescaled domain, i.e. in units of 1/255 of the 0..1 range. */
function maxRescaledError(
  values: Float32Array,
  expected: (i: number) => number,
  config: PreprocessConfig,
): number {
  const plane = values.length / 3;
  let max = 0;
  for (let i = 0; i < values.length; i++) {
    const std = config.normalize?.std[Math.floor(i / plane)] ?? 1;
    max = Math.max(
      max,
      (Math.abs((values[i] as number) - expected(i)) * std) / (config.rescaleFactor ?? 1),
    );
  }
  return max / 255;
}

describe('preprocessing matches Hugging Face + Pillow on the committed vectors', () => {
  it.each(manifest.vectors.map((vector) => [`${vector.config} ${vector.input}`, vector] as const))(
    '%s',
    async (_, vector) => {
      const { values, config } = await ours(vector);
      const [, channels, height, width] = vector.shape;
      expect(values.length).toBe(channels * height * width);

      const { data: pixels } = await sharp(readFileSync(new URL(vector.pixels, FIXTURES)))
        .raw()
        .toBuffer({ resolveWithObject: true });
      const plane = height * width;
      const fromPillowPixels = (i: number): number => {
        const channel = Math.floor(i / plane);
        const value = (pixels[(i % plane) * 3 + channel] as number) * (config.rescaleFactor ?? 1);
        const { mean, std } = config.normalize ?? { mean: [0, 0, 0], std: [1, 1, 1] };
        return (value - (mean[channel] as number)) / (std[channel] as number);
      };
      expect(maxRescaledError(values, fromPillowPixels, config)).toBeLessThanOrEqual(
        1 / 255 + 1e-6,
      );

      if (vector.tensor !== undefined) {
        const bytes = readFileSync(new URL(vector.tensor, FIXTURES));
        const tensor = new Float32Array(new Uint8Array(bytes).buffer);
        expect(tensor.length).toBe(values.length);
        expect(maxRescaledError(values, (i) => tensor[i] as number, config)).toBeLessThanOrEqual(
          1 / 255 + 1e-6,
        );
      }
    },
  );

  it('covers every Pillow filter, upscaling, and every decoding case', () => {
    const filters = new Set(
      manifest.vectors.map((v) => (manifest.configs[v.config] as { resample: number }).resample),
    );
    expect([...filters].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    const inputs = new Set(manifest.vectors.map((v) => v.input));
    expect(inputs.size).toBeGreaterThanOrEqual(13);
  });
});
