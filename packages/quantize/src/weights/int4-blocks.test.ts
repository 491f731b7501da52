import { describe, expect, it } from 'vitest';
import { quantizeInt4Blocks } from './int4-blocks.js';

/** Unpacks MatMulNBits' B back into a float [K, N] weight, as the runtime dequantizes it. */
function dequantize(
  q: ReturnType<typeof quantizeInt4Blocks>,
  k: number,
  n: number,
  blockSize: number,
): Float32Array {
  const out = new Float32Array(k * n);
  const zeroPointBytes = Math.ceil(q.blocksPerColumn / 2);
  for (let column = 0; column < n; column++) {
    for (let row = 0; row < k; row++) {
      const block = Math.floor(row / blockSize);
      const blockIndex = column * q.blocksPerColumn + block;
      const within = row % blockSize;
      const byte = q.packed[blockIndex * (blockSize / 2) + (within >> 1)]!;
      const level = within % 2 === 0 ? byte & 0x0f : byte >> 4;
      const zpByte = q.zeroPoints?.[column * zeroPointBytes + (block >> 1)];
      const zeroPoint = zpByte === undefined ? 8 : block % 2 === 0 ? zpByte & 0x0f : zpByte >> 4;
      out[row * n + column] = (level - zeroPoint) * q.scales[blockIndex]!;
    }
  }
  return out;
}

describe('quantizeInt4Blocks', () => {
  it('packs two values a byte, low nibble first, per column and block, in MatMulNBits layout', () => {
    // K = 16, N = 2: column 0 counts −8…7 (scale 1 after the extreme −8), column 1 is all 0.
    const k = 16;
    const w = new Float32Array(k * 2);
    for (let row = 0; row < k; row++) w[row * 2] = row - 8;
    const q = quantizeInt4Blocks(w, k, 2, { blockSize: 16, symmetric: true });
    expect(q.blocksPerColumn).toBe(1);
    expect(q.packed).toHaveLength(2 * 8);
    expect(q.scales[0]).toBe(1);
    // levels 0…15 stored as (0 | 1<<4), (2 | 3<<4), …
    expect(Array.from(q.packed.subarray(0, 8))).toEqual([
      0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe,
    ]);
    expect(Array.from(q.packed.subarray(8))).toEqual(Array(8).fill(0x88));
    expect(q.zeroPoints).toBeUndefined();
  });

  it('symmetric: the largest magnitude maps exactly to −8, its sign carried by the scale', () => {
    const w = new Float32Array(16);
    w[0] = 4; // the extreme is positive: scale −0.5, so 4 → level 0 (−8)
    w[1] = -3.5;
    const q = quantizeInt4Blocks(w, 16, 1, { blockSize: 16, symmetric: true });
    expect(q.scales[0]).toBe(-0.5);
    const back = dequantize(q, 16, 1, 16);
    expect(back[0]).toBe(4);
    expect(back[1]).toBe(-3.5);
  });

  it('asymmetric: a 4-bit zero point per block, packed two a byte per column', () => {
    const k = 64;
    const w = Float32Array.from({ length: k }, (_, i) => (i < 32 ? i / 10 : -(i - 32) / 10));
    const q = quantizeInt4Blocks(w, k, 1, { blockSize: 32, symmetric: false });
    expect(q.blocksPerColumn).toBe(2);
    expect(q.zeroPoints).toHaveLength(1);
    // Block 0 is ≥ 0 (zero point 0), block 1 is ≤ 0 (zero point 15).
    expect(q.zeroPoints![0]).toBe(0 | (15 << 4));
    const back = dequantize(q, k, 1, 32);
    for (let i = 0; i < k; i++)
      expect(Math.abs(back[i]! - w[i]!)).toBeLessThanOrEqual(
        Math.abs(q.scales[i >> 5]!) / 2 + 1e-6,
      );
  });

  it('pads a last partial block with the zero point, so K need not divide by the block size', () => {
    const k = 40;
    const n = 3;
    const w = Float32Array.from({ length: k * n }, (_, i) => Math.cos(i));
    for (const symmetric of [true, false]) {
      const q = quantizeInt4Blocks(w, k, n, { blockSize: 32, symmetric });
      expect(q.blocksPerColumn).toBe(2);
      expect(q.packed).toHaveLength(n * 2 * 16);
      const back = dequantize(q, k, n, 32);
      let signal = 0;
      let noise = 0;
      for (let i = 0; i < w.length; i++) {
        signal += w[i]! ** 2;
        noise += (w[i]! - back[i]!) ** 2;
      }
      expect(q.sqnrDb).toBeCloseTo(10 * Math.log10(signal / noise), 6);
      expect(q.sqnrDb).toBeGreaterThan(15);
    }
  });

  it('rejects block sizes MatMulNBits does not take', () => {
    expect(() =>
      quantizeInt4Blocks(new Float32Array(48), 48, 1, { blockSize: 24, symmetric: true }),
    ).toThrow(/power of two/);
    expect(() =>
      quantizeInt4Blocks(new Float32Array(8), 8, 1, { blockSize: 8, symmetric: true }),
    ).toThrow(/≥ 16/);
  });
});
