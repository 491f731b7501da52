import { describe, expect, it } from 'vitest';
import { defaultThreadSweep } from './thread-sweep.js';

describe('defaultThreadSweep', () => {
  it('goes from 1 to twice the cores through powers of two and the core count', () => {
    expect(defaultThreadSweep(1)).toEqual([1, 2]);
    expect(defaultThreadSweep(2)).toEqual([1, 2, 4]);
    expect(defaultThreadSweep(6)).toEqual([1, 2, 4, 6, 8, 12]);
    expect(defaultThreadSweep(8)).toEqual([1, 2, 4, 8, 16]);
  });
});
