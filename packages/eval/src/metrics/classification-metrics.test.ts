import { describe, expect, it } from 'vitest';
import { ClassificationAccumulator } from './classification-accumulator.js';
import { computeClassificationMetrics } from './classification-metrics.js';

// Five images of three classes, worked by hand below.
//   index label  candidate logits   → top-1     baseline logits → top-1
//   0     0      [2, 1, 0]            0 ✓       [3, 0, 0]         0 ✓
//   1     0      [0, 2, 1]            1 ✗       [3, 0, 0]         0 ✓
//   2     1      [0, 3, 1]            1 ✓       [0, 0, 3]         2 ✗
//   3     2      [1, 0, 0.5]          0 ✗       [0, 0, 3]         2 ✓
//   4     2      [0, 0, 5]            2 ✓       [0, 0, 5]         2 ✓
const indices = [0, 1, 2, 3, 4];
const labels = [0, 0, 1, 2, 2];
const candidate = [
  [2, 1, 0],
  [0, 2, 1],
  [0, 3, 1],
  [1, 0, 0.5],
  [0, 0, 5],
];
const baseline = [
  [3, 0, 0],
  [3, 0, 0],
  [0, 0, 3],
  [0, 0, 3],
  [0, 0, 5],
];

function evaluate(withBaseline: boolean, order = indices) {
  const accumulator = new ClassificationAccumulator({ classCount: 3, withBaseline });
  for (const i of order) {
    accumulator.addBatch({
      indices: [i],
      labels: [labels[i] as number],
      logits: new Float32Array(candidate[i] as number[]),
      ...(withBaseline ? { baselineLogits: new Float32Array(baseline[i] as number[]) } : {}),
    });
  }
  return computeClassificationMetrics(accumulator.records(), { classCount: 3 });
}

/** KL(p ‖ q) straight from the definition, as an independent check. */
function referenceKl(p: number[], q: number[]): number {
  const softmax = (x: number[]) => {
    const e = x.map(Math.exp);
    const total = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / total);
  };
  const [sp, sq] = [softmax(p), softmax(q)];
  return sp.reduce((sum, pi, i) => sum + pi * Math.log(pi / (sq[i] as number)), 0);
}

describe('computeClassificationMetrics', () => {
  it('computes top-1 and top-5 as fractions', () => {
    const metrics = evaluate(false);
    expect(metrics.item_count).toBe(5);
    expect(metrics.top1).toBe(3 / 5);
    expect(metrics.top5).toBe(1); // three classes: every label is among the top five
  });

  it('computes per-class accuracy, precision and F1 with support counts', () => {
    expect(evaluate(false).per_class).toEqual([
      {
        class_index: 0,
        support: 2,
        predicted: 2,
        correct: 1,
        accuracy: 0.5,
        precision: 0.5,
        f1: 0.5,
      },
      {
        class_index: 1,
        support: 1,
        predicted: 2,
        correct: 1,
        accuracy: 1,
        precision: 0.5,
        f1: 2 / 3,
      },
      {
        class_index: 2,
        support: 2,
        predicted: 1,
        correct: 1,
        accuracy: 0.5,
        precision: 1,
        f1: 2 / 3,
      },
    ]);
  });

  it('gives the macro F1 as the mean over classes', () => {
    expect(evaluate(false).macro_f1).toBeCloseTo((0.5 + 2 / 3 + 2 / 3) / 3, 15);
  });

  it('lists the non-zero confusion cells as [true, predicted, count]', () => {
    expect(evaluate(false).confusion_matrix).toEqual([
      [0, 0, 1],
      [0, 1, 1],
      [1, 1, 1],
      [2, 0, 1],
      [2, 2, 1],
    ]);
  });

  it('leaves classes without images out of macro F1, and gives a never-predicted class F1 0', () => {
    // Four classes: class 3 has no images but is predicted once; class 1 is never predicted.
    const accumulator = new ClassificationAccumulator({ classCount: 4, withBaseline: false });
    accumulator.addBatch({
      indices: [0, 1, 2],
      labels: [0, 1, 0],
      logits: new Float32Array([9, 0, 0, 0, /**/ 9, 0, 0, 0, /**/ 0, 0, 0, 9]),
    });
    const metrics = computeClassificationMetrics(accumulator.records(), { classCount: 4 });
    const [class0, class1, class2, class3] = metrics.per_class;
    expect(class0).toMatchObject({ support: 2, predicted: 2, correct: 1, f1: 0.5 });
    expect(class1).toMatchObject({ support: 1, predicted: 0, precision: null, f1: 0 });
    expect(class2).toMatchObject({ support: 0, predicted: 0, accuracy: null, f1: null });
    expect(class3).toMatchObject({ support: 0, predicted: 1, precision: 0, f1: null });
    expect(metrics.macro_f1).toBe((0.5 + 0) / 2);
  });

  it('compares with a baseline model on the same images', () => {
    const metrics = evaluate(true);
    expect(metrics).toMatchObject({
      baseline_top1: 4 / 5,
      agreement: 2 / 5,
      top1_delta: -1 / 5,
      discordant_pairs: { candidate_only_correct: 1, baseline_only_correct: 2 },
      // 2·P(X ≤ 1) − P(X = 1) for X ~ Bin(3, ½)
      mcnemar_p: 5 / 8,
      bootstrap: { resamples: 2000, seed: 0 },
    });
    const expectedKl =
      indices.reduce(
        (sum, i) => sum + referenceKl(baseline[i] as number[], candidate[i] as number[]),
        0,
      ) / 5;
    expect('mean_kl' in metrics && metrics.mean_kl).toBeCloseTo(expectedKl, 6);
  });

  it('brackets the top-1 delta with its confidence interval', () => {
    const metrics = evaluate(true);
    if (!('top1_delta_ci95' in metrics)) throw new Error('expected a baseline comparison');
    const [low, high] = metrics.top1_delta_ci95;
    expect(low).toBeLessThanOrEqual(metrics.top1_delta);
    expect(high).toBeGreaterThanOrEqual(metrics.top1_delta);
  });

  it('gives the same bits whatever order the images arrive in', () => {
    expect(evaluate(true, [4, 2, 0, 3, 1])).toEqual(evaluate(true));
  });

  it('refuses an empty evaluation and repeated images', () => {
    expect(() => computeClassificationMetrics([], { classCount: 3 })).toThrow(/no images/);
    const record = { index: 7, label: 0, top5: [0], top1_correct: true, top5_correct: true };
    expect(() => computeClassificationMetrics([record, record], { classCount: 3 })).toThrow(
      /item 7 appears more than once/,
    );
  });

  it('refuses records whose classes do not fit the class count', () => {
    const record = { index: 0, label: 5, top5: [5], top1_correct: true, top5_correct: true };
    expect(() => computeClassificationMetrics([record], { classCount: 3 })).toThrow(
      /item 0 names class 5, outside 0..2/,
    );
  });
});

describe('ClassificationAccumulator', () => {
  it('ignores the padding rows of a fixed-size batch', () => {
    const accumulator = new ClassificationAccumulator({ classCount: 2, withBaseline: false });
    accumulator.addBatch({ indices: [3], labels: [1], logits: new Float32Array([0, 1, 0, 0]) });
    expect(accumulator.records()).toEqual([
      { index: 3, label: 1, top5: [1, 0], top1_correct: true, top5_correct: true },
    ]);
  });

  it('names the argument that is wrong', () => {
    const accumulator = new ClassificationAccumulator({ classCount: 2, withBaseline: false });
    expect(() =>
      accumulator.addBatch({ indices: [0, 1], labels: [0, 1], logits: new Float32Array(3) }),
    ).toThrow(/logits hold 3 values; 2 items of 2 classes need 4/);
    expect(() =>
      accumulator.addBatch({ indices: [0], labels: [2], logits: new Float32Array(2) }),
    ).toThrow(/labels of item 0 is 2, outside 0..1/);
    expect(() =>
      accumulator.addBatch({ indices: [9], labels: [0], logits: new Float32Array([NaN, 0]) }),
    ).toThrow(/logits of item 9 hold NaN at class 0/);
    expect(() =>
      accumulator.addBatch({
        indices: [0],
        labels: [0],
        logits: new Float32Array(2),
        baselineLogits: new Float32Array(2),
      }),
    ).toThrow(/baselineLogits were given, but the accumulator was made without a baseline/);
  });
});
