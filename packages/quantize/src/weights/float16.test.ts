import { describe, expect, it } from 'vitest';
import { FLOAT16_MAX, convertToFloat16, float16Bits, float16ToFloat32 } from './float16.js';

/** The number a float16 bit pattern stands for. */
function float16Value(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : Number.NaN;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

const defaults = { maxFiniteValue: FLOAT16_MAX, minPositiveValue: 1e-7 };

describe('float16Bits', () => {
  it('encodes exact values, the extremes and the specials', () => {
    expect(float16Bits(1)).toBe(0x3c00);
    expect(float16Bits(-2)).toBe(0xc000);
    expect(float16Bits(65504)).toBe(0x7bff);
    expect(float16Bits(2 ** -24)).toBe(0x0001);
    expect(float16Bits(2 ** -14)).toBe(0x0400);
    expect(float16Bits(0)).toBe(0);
    expect(float16Bits(-0)).toBe(0x8000);
    expect(float16Bits(Infinity)).toBe(0x7c00);
    expect(float16Bits(-Infinity)).toBe(0xfc00);
    expect(float16Value(float16Bits(Number.NaN))).toBeNaN();
  });

  it('rounds to nearest, ties to even, in normal and subnormal ranges', () => {
    expect(float16Value(float16Bits(2049))).toBe(2048); // tie between 2048 and 2050 → even
    expect(float16Value(float16Bits(2051))).toBe(2052); // tie → even mantissa (2052)
    expect(float16Value(float16Bits(2049.01))).toBe(2050);
    expect(float16Bits(65519)).toBe(0x7bff); // below the halfway point to 65536
    expect(float16Bits(65520)).toBe(0x7c00); // rounds to ∞
    expect(float16Bits(2 ** -25)).toBe(0); // tie between 0 and the smallest subnormal → 0
    expect(float16Bits(1.5 * 2 ** -24)).toBe(0x0002); // tie between 1 and 2 units → 2
    expect(float16Bits(2 ** -25 * 1.01)).toBe(0x0001);
  });

  it('matches the nearest float16 for every float32 sampled across the range', () => {
    let seed = 12345;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 5000; i++) {
      const x = Math.fround((random() - 0.5) * 2 ** (random() * 40 - 26));
      const got = float16Value(float16Bits(x));
      // The neighbours of the result must not be nearer to x.
      const bits = float16Bits(x);
      for (const neighbour of [bits - 1, bits + 1]) {
        if ((neighbour & 0x7fff) >= 0x7c00 || neighbour < 0 || (neighbour & 0x7fff) === 0x7fff)
          continue;
        if ((neighbour ^ bits) & 0x8000) continue;
        expect(Math.abs(float16Value(neighbour) - x)).toBeGreaterThanOrEqual(Math.abs(got - x));
      }
    }
  });
});

describe('convertToFloat16', () => {
  it('clamps out-of-range finite values and counts them, keeping 0, ±∞ and NaN', () => {
    const values = Float32Array.from([
      1e5,
      -7e4,
      1e-9,
      -1e-12,
      0,
      Infinity,
      -Infinity,
      Number.NaN,
      0.5,
    ]);
    const { bits, clampedCount } = convertToFloat16(values, defaults);
    const back = Array.from(bits, float16Value);
    expect(clampedCount).toBe(4);
    expect(back.slice(0, 2)).toEqual([65504, -65504]);
    expect(back[2]).toBe(float16Value(float16Bits(1e-7)));
    expect(back[3]).toBe(-float16Value(float16Bits(1e-7)));
    expect(back.slice(4, 7)).toEqual([0, Infinity, -Infinity]);
    expect(back[7]).toBeNaN();
    expect(back[8]).toBe(0.5);
  });

  it("takes onnxconverter-common's tighter 1e4 ceiling when asked", () => {
    const { bits, clampedCount } = convertToFloat16(Float32Array.from([2e4, 9999]), {
      ...defaults,
      maxFiniteValue: 1e4,
    });
    expect(clampedCount).toBe(1);
    expect(float16Value(bits[0]!)).toBe(float16Value(float16Bits(1e4)));
  });
});

describe('float16ToFloat32', () => {
  it('gives every float16 bit pattern the value it stands for: normals, subnormals, zeros, ±∞ and NaN', () => {
    const values = float16ToFloat32(Uint16Array.from({ length: 0x10000 }, (_, bits) => bits));
    const wrong = values.reduce<number[]>((found, value, bits) => {
      const expected = float16Value(bits);
      const same = Number.isNaN(expected) ? Number.isNaN(value) : Object.is(value, expected);
      return same ? found : [...found, bits];
    }, []);
    expect(wrong).toEqual([]);
  });

  it('takes back exactly what float16Bits made of a float16 value', () => {
    const values = [1, -2, 0.5, 65504, -65504, 2 ** -24, -(2 ** -14), 1.0009765625, -0];
    expect([...float16ToFloat32(Uint16Array.from(values, float16Bits))]).toEqual(values);
  });
});
