import { describe, expect, it } from 'vitest';
import { seededValues } from '../testing/small-models.js';
import { createCollector, normalizeCalibrationOptions } from './calibration-options.js';
import { EntropyCollector, entropyThreshold } from './entropy-collector.js';
import { MinMaxCollector } from './minmax-collector.js';
import { PercentileCollector, quantile } from './percentile-collector.js';
import { StreamingHistogram } from './streaming-histogram.js';

/** Standard normal values from seeded uniforms (Box–Muller). */
function gaussian(count: number, seed: number, sigma = 1): Float32Array {
  const u = seededValues(2 * count, seed, 1);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const a = (u[2 * i]! + 1) / 2 || 1e-12;
    const b = (u[2 * i + 1]! + 1) / 2;
    out[i] = sigma * Math.sqrt(-2 * Math.log(a)) * Math.cos(2 * Math.PI * b);
  }
  return out;
}

describe('MinMaxCollector', () => {
  it('keeps the extremes of every batch, ignoring NaN and infinities', () => {
    const collector = new MinMaxCollector();
    expect(collector.range()).toBeUndefined();
    collector.add(Float32Array.of(1, -2, Number.NaN));
    collector.add(Float32Array.of(0.5, 3, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY));
    expect(collector.range()).toEqual({ min: -2, max: 3 });
  });

  it('moves the range by the averaging constant towards each later batch, as onnxruntime does', () => {
    const collector = new MinMaxCollector(0.01);
    collector.add(Float32Array.of(-1, 1));
    collector.add(Float32Array.of(-101, 201));
    expect(collector.range()!.min).toBeCloseTo(-1 + 0.01 * (-101 + 1), 12);
    expect(collector.range()!.max).toBeCloseTo(1 + 0.01 * (201 - 1), 12);
  });
});

describe('StreamingHistogram', () => {
  it('bins values over [−limit, limit) with the first batch setting the limit', () => {
    const histogram = new StreamingHistogram(4);
    histogram.add(Float32Array.of(-4, -1, 0, 0.5, 3.9, 4));
    expect(histogram.limit).toBe(4);
    expect(Array.from(histogram.counts)).toEqual([1, 0, 0, 1, 2, 0, 0, 2]);
  });

  it('grows by powers of two, merging bins exactly, when a batch goes beyond the limit', () => {
    const histogram = new StreamingHistogram(4);
    histogram.add(Float32Array.of(-4, -1, 0, 0.5, 3.9, 4));
    histogram.add(Float32Array.of(13));
    expect(histogram.limit).toBe(16);
    // Old bins of width 1 merge four at a time into bins of width 4: everything lands in the two
    // bins around 0, and 13 in the last.
    expect(Array.from(histogram.counts)).toEqual([0, 0, 0, 2, 4, 0, 0, 1]);
    expect(histogram.total).toBe(7);
  });

  it('counts all-zero batches seen before any other value at 0', () => {
    const histogram = new StreamingHistogram(2);
    histogram.add(new Float32Array(3));
    expect(histogram.limit).toBe(0);
    histogram.add(Float32Array.of(1));
    expect(Array.from(histogram.magnitudes())).toEqual([3, 1]);
  });
});

describe('percentile and entropy ranges', () => {
  it('finds percentiles within a bin width of the exact ones', () => {
    const values = gaussian(200_000, 7);
    const sorted = Float64Array.from(values).sort();
    const collector = new PercentileCollector(2048, 99.9, false);
    for (let i = 0; i < values.length; i += 10_000) collector.add(values.subarray(i, i + 10_000));
    const range = collector.range()!;
    const width = (2 * Math.max(-sorted[0]!, sorted.at(-1)!)) / 4096;
    expect(range.max).toBeCloseTo(sorted[Math.floor(0.999 * sorted.length)]!, 1);
    expect(Math.abs(range.max - sorted[Math.floor(0.999 * sorted.length)]!)).toBeLessThan(4 * width);
    expect(Math.abs(range.min - sorted[Math.floor(0.001 * sorted.length)]!)).toBeLessThan(4 * width);
  });

  it('gives a symmetric range from the percentile of |x| when asked', () => {
    const collector = new PercentileCollector(512, 99, true);
    collector.add(Float32Array.from({ length: 1000 }, (_, i) => (i % 2 === 0 ? i / 1000 : -i / 2000)));
    const range = collector.range()!;
    expect(range.min).toBe(-range.max);
    expect(range.max).toBeGreaterThan(0.95);
  });

  it('interpolates quantiles inside a bin', () => {
    expect(quantile(Float64Array.of(0, 4, 0), -1, 1, 0.5)).toBe(0.5);
  });

  it('clips a Gaussian well inside its extremes and keeps a uniform distribution whole', () => {
    const collector = new EntropyCollector(2048);
    collector.add(gaussian(100_000, 3));
    const { min, max } = collector.range()!;
    expect(max).toBeGreaterThan(3);
    expect(max).toBeLessThan(4.3);
    expect(min).toBeCloseTo(-max, 6);

    const uniform = new Float64Array(1024).fill(10);
    expect(entropyThreshold(uniform, 1 / 1024)).toBeGreaterThan(0.95);
  });
});

describe('collector state', () => {
  it('has a fixed size, whatever the number of batches', () => {
    for (const method of ['minmax', 'percentile', 'entropy'] as const) {
      const few = createCollector(normalizeCalibrationOptions({ method }));
      const many = createCollector(normalizeCalibrationOptions({ method }));
      few.add(gaussian(1000, 1));
      for (let batch = 0; batch < 300; batch++) many.add(gaussian(1000, batch, 1 + batch));
      expect(many.stateSize).toBe(few.stateSize);
      expect(many.stateSize).toBeLessThanOrEqual(2 * 2048 + 4);
    }
  });
});
