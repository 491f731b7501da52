import { describe, expect, it } from 'vitest';
import { topKClasses } from './top-k.js';

describe('topKClasses', () => {
  it('lists the classes of the largest logits, best first', () => {
    const logits = new Float32Array([0.1, 2, -1, 5, 3, 0]);
    expect(topKClasses(logits, 0, 6, 3)).toEqual([3, 4, 1]);
  });

  it('breaks ties toward the lower class index', () => {
    const logits = new Float32Array([1, 3, 3, 0, 3]);
    expect(topKClasses(logits, 0, 5, 5)).toEqual([1, 2, 4, 0, 3]);
    expect(topKClasses(new Float32Array([7, 7, 7, 7, 7, 7]), 0, 6, 5)).toEqual([0, 1, 2, 3, 4]);
  });

  it('reads one row of a batch', () => {
    const batch = new Float32Array([9, 0, 0, /* row 1 */ 0, 0, 9]);
    expect(topKClasses(batch, 3, 3, 1)).toEqual([2]);
  });

  it('returns every class when there are fewer than k', () => {
    expect(topKClasses(new Float32Array([0.5, 1.5]), 0, 2, 5)).toEqual([1, 0]);
  });
});
