import { describe, expect, it } from 'vitest';
import { int8Range, quantizeInt8Weight } from './int8-weights.js';
import { roundHalfToEven, sqnrDb } from './rounding.js';

const f32 = (values: number[]): Float32Array => Float32Array.from(values);
const int8 = { elementType: 'int8', symmetric: true, reduceRange: false } as const;

/** SQNR computed the slow, obvious way, to check the one computed in the quantizing pass. */
function referenceSqnrDb(
  w: Float32Array,
  q: ArrayLike<number>,
  scale: (i: number) => number,
  zp: (i: number) => number,
): number {
  let signal = 0;
  let noise = 0;
  for (let i = 0; i < w.length; i++) {
    signal += w[i]! ** 2;
    noise += (w[i]! - (q[i]! - zp(i)) * scale(i)) ** 2;
  }
  return 20 * Math.log10(Math.sqrt(signal) / Math.sqrt(noise));
}

describe('roundHalfToEven', () => {
  it('rounds ties to the even neighbour, like numpy, in both directions', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4999, -3.5001].map(roundHalfToEven)).toEqual([
      0, 2, 2, 0, -2, -2, 2, -4,
    ]);
  });
});

describe('quantizeInt8Weight', () => {
  it('symmetric int8 per tensor: zero point 0, scale max|w|/127, the extreme maps to ±127', () => {
    const w = f32([-2.54, 0, 1, 0.01]);
    const q = quantizeInt8Weight(w, [2, 2], int8);
    expect(q.scales[0]).toBe(Math.fround(2.54 / 127));
    expect(Array.from(q.zeroPoints)).toEqual([0]);
    expect(Array.from(q.values)).toEqual([-127, 0, 50, 0]);
  });

  it('rounds half to even after a float32 division, as onnxruntime does', () => {
    // scale 1: 2.5 → 2 and 3.5 → 4, not 3 and 4.
    const q = quantizeInt8Weight(f32([127, 2.5, 3.5, -2.5]), [4], int8);
    expect(q.scales[0]).toBe(1);
    expect(Array.from(q.values)).toEqual([127, 2, 4, -2]);
  });

  it('asymmetric int8 spreads [min(w,0), max(w,0)] over −128…127 with an exact zero', () => {
    const w = f32([0, 0.5, 1, 2.55]);
    const q = quantizeInt8Weight(w, [4], { ...int8, symmetric: false });
    const scale = q.scales[0]!;
    expect(scale).toBe(Math.fround(2.55 / 255));
    expect(q.zeroPoints[0]).toBe(-128);
    expect(q.values[0]).toBe(-128); // 0 is exact
    expect(q.values[3]).toBe(127);
  });

  it('uint8 symmetric centres on 128, asymmetric uses 0…255', () => {
    const w = f32([-1, 0.5, 1]);
    const symmetric = quantizeInt8Weight(w, [3], {
      elementType: 'uint8',
      symmetric: true,
      reduceRange: false,
    });
    expect(symmetric.values).toBeInstanceOf(Uint8Array);
    expect(Array.from(symmetric.values)).toEqual([1, 192, 255]);
    expect(Array.from(symmetric.zeroPoints)).toEqual([128]);
    const asymmetric = quantizeInt8Weight(w, [3], {
      elementType: 'uint8',
      symmetric: false,
      reduceRange: false,
    });
    // In float32, 1 / (2/255) is 127.49999 (not 127.5): the zero point is 127 and 1 maps to 254,
    // exactly what numpy computes in onnxruntime's tool.
    expect(Array.from(asymmetric.zeroPoints)).toEqual([127]);
    expect(Array.from(asymmetric.values)).toEqual([0, 191, 254]);
  });

  it('reduceRange keeps to 7 bits: int8 ±63 (or −64…63), uint8 0…127', () => {
    expect(int8Range({ elementType: 'int8', symmetric: true, reduceRange: true })).toEqual({
      min: -63,
      max: 63,
    });
    expect(int8Range({ elementType: 'int8', symmetric: false, reduceRange: true })).toEqual({
      min: -64,
      max: 63,
    });
    expect(int8Range({ elementType: 'uint8', symmetric: false, reduceRange: true })).toEqual({
      min: 0,
      max: 127,
    });
    expect(int8Range({ elementType: 'uint8', symmetric: true, reduceRange: true })).toEqual({
      min: 1,
      max: 127,
    });
    const q = quantizeInt8Weight(f32([-6.3, 6.3, 1]), [3], { ...int8, reduceRange: true });
    expect(Array.from(q.values)).toEqual([-63, 63, 10]);
  });

  it('per channel along axis 1 of a MatMul weight [K, N]: one scale per output column', () => {
    // K = 2 rows, N = 3 columns; column maxima 1, 10, 100.
    const w = f32([1, -10, 50, 0.5, 5, -100]);
    const q = quantizeInt8Weight(w, [2, 3], { ...int8, channelAxis: 1 });
    expect(Array.from(q.scales)).toEqual([1, 10, 100].map((m) => Math.fround(m / 127)));
    expect(Array.from(q.values)).toEqual([127, -127, 64, 64, 64, -127]);
    expect(q.zeroPoints).toHaveLength(3);
  });

  it('per channel along axis 0 of a Conv weight [M, C, kH, kW]', () => {
    const w = new Float32Array(2 * 3 * 2 * 2);
    w.fill(1, 0, 12);
    w.fill(-4, 12);
    const q = quantizeInt8Weight(w, [2, 3, 2, 2], { ...int8, channelAxis: 0 });
    expect(Array.from(q.scales)).toEqual([Math.fround(1 / 127), Math.fround(4 / 127)]);
    expect(new Set(q.values)).toEqual(new Set([127, -127]));
  });

  it('measures SQNR in the same pass, equal to 20·log10(‖w‖/‖w − ŵ‖)', () => {
    const w = Float32Array.from({ length: 4096 }, (_, i) => Math.sin(i * 0.37) * (1 + (i % 7)));
    for (const channelAxis of [undefined, 1]) {
      for (const symmetric of [true, false]) {
        const q = quantizeInt8Weight(w, [64, 64], { ...int8, symmetric, channelAxis });
        const channel = (i: number): number => (channelAxis === undefined ? 0 : i % 64);
        const expected = referenceSqnrDb(
          w,
          q.values,
          (i) => q.scales[channel(i)]!,
          (i) => q.zeroPoints[channel(i)]!,
        );
        expect(q.sqnrDb).toBeCloseTo(expected, 9);
      }
    }
    const perTensor = quantizeInt8Weight(w, [64, 64], int8).sqnrDb;
    const perChannel = quantizeInt8Weight(w, [64, 64], { ...int8, channelAxis: 1 }).sqnrDb;
    expect(perChannel).toBeGreaterThanOrEqual(perTensor);
    expect(perTensor).toBeGreaterThan(30);
  });

  it('raises a per-tensor scale by float32 ulps until no other weight uses it', () => {
    const taken = new Set<number>();
    const w = f32([1.27, -0.5]);
    const first = quantizeInt8Weight(w, [2], { ...int8, distinctScales: taken });
    const second = quantizeInt8Weight(w, [2], { ...int8, distinctScales: taken });
    expect(first.scales[0]).toBe(Math.fround(0.01));
    expect(second.scales[0]).toBeGreaterThan(first.scales[0]!);
    expect(second.scales[0]! / first.scales[0]!).toBeLessThan(1 + 1e-6);
    expect(Array.from(second.values)).toEqual(Array.from(first.values));
    expect(taken).toEqual(new Set([first.scales[0], second.scales[0]]));
  });

  it('gives exact weights infinite SQNR and an all-zero weight scale 1', () => {
    expect(quantizeInt8Weight(f32([127, -64, 0]), [3], int8).sqnrDb).toBe(Number.POSITIVE_INFINITY);
    const zeros = quantizeInt8Weight(new Float32Array(4), [4], int8);
    expect(Array.from(zeros.scales)).toEqual([1]);
    expect(Array.from(zeros.values)).toEqual([0, 0, 0, 0]);
    expect(sqnrDb(0, 0)).toBe(Number.POSITIVE_INFINITY);
  });

  it('refuses NaN and infinite weights instead of writing garbage', () => {
    expect(() => quantizeInt8Weight(f32([1, Number.NaN]), [2], int8)).toThrow(/NaN or infinite/);
    expect(() => quantizeInt8Weight(f32([1, Number.POSITIVE_INFINITY]), [2], int8)).toThrow(
      /NaN or infinite/,
    );
  });
});
