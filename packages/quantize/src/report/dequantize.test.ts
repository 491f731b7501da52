import { describe, expect, it } from 'vitest';
import { quantizeInt4Blocks } from '../weights/int4-blocks.js';
import { sqnrDb } from '../weights/rounding.js';
import { ErrorEnergy, dequantizeInt4Blocks } from './dequantize.js';

describe('dequantizeInt4Blocks', () => {
  // K = 40 is two full blocks of 16 and a partial one: the padding must not shift the next column.
  const [k, n, blockSize] = [40, 3, 16];
  const weights = Float32Array.from({ length: k * n }, (_, i) => Math.sin(i * 0.7) * (1 + (i % n)));

  it.each([true, false])('restores the [K, N] weight quantizeInt4Blocks packed (symmetric %s), each value within one step', (symmetric) => {
    const blocks = quantizeInt4Blocks(weights, k, n, { blockSize, symmetric });
    const restored = dequantizeInt4Blocks({ packed: blocks.packed, scales: blocks.scales, zeroPoints: blocks.zeroPoints, k, n, blockSize });
    const energy = new ErrorEnergy();
    energy.add(weights, restored);
    expect(sqnrDb(energy.signal, energy.noise)).toBeCloseTo(blocks.sqnrDb, 4);
    weights.forEach((w, i) => {
      const scale = Math.abs(blocks.scales[(i % n) * blocks.blocksPerColumn + Math.floor(Math.floor(i / n) / blockSize)]!);
      // Half a step of rounding, or less than one where symmetric blocks clip the extreme opposite −8 to +7.
      expect(Math.abs(restored[i]! - w)).toBeLessThanOrEqual(scale + 1e-6);
    });
  });
});
