import { describe, expect, it } from 'vitest';
import { activationParams } from './activation-params.js';
import { quantizeBiasInt32 } from './int32-bias.js';

describe('activationParams', () => {
  it('spreads [min, max] (widened to include 0) over all 256 levels', () => {
    expect(activationParams({ min: -1, max: 3 }, 'uint8', false)).toEqual({ elementType: 'uint8', scale: Math.fround(4 / 255), zeroPoint: 64 });
    expect(activationParams({ min: -1, max: 3 }, 'int8', false)).toEqual({ elementType: 'int8', scale: Math.fround(4 / 255), zeroPoint: -64 });
    // A positive-only range (a Softmax output) starts at 0 with zero point 0.
    expect(activationParams({ min: 0.01, max: 1 }, 'uint8', false)).toEqual({ elementType: 'uint8', scale: Math.fround(1 / 255), zeroPoint: 0 });
  });

  it('centres a symmetric range on the middle level, and gives an all-zero tensor scale 1', () => {
    expect(activationParams({ min: -2, max: 1 }, 'uint8', true)).toEqual({ elementType: 'uint8', scale: Math.fround(2 / 127.5), zeroPoint: 128 });
    expect(activationParams({ min: -2, max: 1 }, 'int8', true).zeroPoint).toBe(0);
    expect(activationParams({ min: 0, max: 0 }, 'uint8', false)).toEqual({ elementType: 'uint8', scale: 1, zeroPoint: 0 });
  });
});

describe('quantizeBiasInt32', () => {
  it('puts the bias in accumulator units, per output channel', () => {
    const { values, scales } = quantizeBiasInt32(Float32Array.of(1, -0.5, 0.25), 0.5, Float32Array.of(0.1, 0.01, 0.001));
    expect(Array.from(scales)).toEqual([0.05, 0.005, 0.0005].map(Math.fround));
    expect(Array.from(values)).toEqual([20, -100, 500]);
  });

  it('uses the one weight scale for every channel of a per-tensor weight', () => {
    expect(Array.from(quantizeBiasInt32(Float32Array.of(1, 2), 1, Float32Array.of(0.5)).values)).toEqual([2, 4]);
  });
});
