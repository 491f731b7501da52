import { VitOptError } from '@vit-opt/graph';
import { createTensorProbe } from '@vit-opt/eval';
import { calibrationImages } from '@vit-opt/eval/data';
import {
  pruneModel,
  pruneNeedsFeeds,
  type HeadPlan,
  type HeadRecovery,
  type HeadScoring,
  type PruneBudget,
  type PruneModelOptions,
} from '@vit-opt/prune';
import type { StepOptions, VariantStep } from './variant-step.js';

/** `vit-opt prune`: attention heads removed by a budget and a score, or by an explicit plan. */
export const pruneStep: VariantStep = {
  kind: 'prune',
  summary:
    'attention heads removed (heads: 0.25 or a count, by score; or plan), optionally bias-recovered',
  options: {
    heads: {
      anyOf: [
        { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
        { type: 'integer', minimum: 1 },
      ],
      description: 'a share of all heads (0.25) or a count (36), the least important first',
    },
    plan: {
      type: 'object',
      patternProperties: { '^[0-9]+$': { type: 'array', items: { type: 'integer', minimum: 0 } } },
      additionalProperties: false,
      description: 'exactly these heads by layer, e.g. { 0: [1, 3] } (instead of heads)',
    },
    mlp: {
      anyOf: [
        { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
        { type: 'integer', minimum: 1 },
      ],
      description: 'also a share (0.2) or count of MLP neurons, by magnitude or mean contribution',
    },
    'per-layer-max': { type: 'integer', minimum: 1 },
    score: { enum: ['magnitude', 'activation', 'ablation'] },
    iterative: {
      type: 'boolean',
      description: 'activation or ablation: one head at a time, the others scored again without it',
    },
    recover: { enum: ['none', 'bias', 'lstsq'] },
    'calib-limit': { type: 'integer', minimum: 1 },
  },
  usesCalibration: (options) => needsImages(options),
  async build(input) {
    const o = input.options;
    if (o.heads !== undefined && o.plan !== undefined) {
      throw new VitOptError('INVALID_ARGUMENT', 'a prune variant takes either heads or plan', {
        subject: 'heads',
      });
    }
    if (o.heads === undefined && o.plan === undefined && o.mlp === undefined) {
      throw new VitOptError(
        'INVALID_ARGUMENT',
        'a prune variant takes heads or plan, mlp, or both',
        {
          subject: 'heads',
        },
      );
    }
    const prune = pruneOptions(o);
    const signal = input.signal === undefined ? {} : { signal: input.signal };
    let feeds: PruneModelOptions['feeds'];
    if (pruneNeedsFeeds(prune)) {
      if (input.calibration === undefined) {
        throw new VitOptError(
          'INVALID_ARGUMENT',
          `a prune variant with ${prune.recover !== 'none' ? `recover: ${prune.recover}` : `score: ${prune.score}`} needs data.calibration`,
          { subject: 'calibration' },
        );
      }
      const images = await calibrationImages(input.model, {
        folder: input.calibration,
        modelPath: input.modelPath,
        preprocessOverrides: input.preprocess,
        limit: (o['calib-limit'] as number | undefined) ?? 64,
      });
      feeds = images.feeds;
    }
    const pruned = await pruneModel(input.model, {
      ...prune,
      ...(feeds === undefined ? {} : { feeds }),
      probe: createTensorProbe(),
      inPlace: true,
      onProgress: (p) => input.onProgress(p.done, p.total, 'heads'),
      ...signal,
    });
    const notes = [`heads ${pruned.heads.headsBefore} → ${pruned.heads.headsAfter}`];
    if (pruned.mlp !== undefined) {
      notes.push(`MLP neurons ${pruned.mlp.neuronsBefore} → ${pruned.mlp.neuronsAfter}`);
    }
    return { model: input.model, notes };
  },
};

/** The step's keys as pruneModel's options: which heads and neurons, how they are scored. */
function pruneOptions(options: StepOptions): PruneModelOptions & {
  score: HeadScoring;
  recover: HeadRecovery;
} {
  const heads = options.heads as number | undefined;
  const mlp = options.mlp as number | undefined;
  const perLayerMax = options['per-layer-max'] as number | undefined;
  return {
    ...(heads === undefined
      ? options.plan === undefined
        ? {}
        : { heads: { plan: options.plan as HeadPlan } }
      : { heads: budget(heads) }),
    ...(mlp === undefined ? {} : { mlp: budget(mlp) }),
    ...(perLayerMax === undefined ? {} : { perLayerMax }),
    score: (options.score as HeadScoring | undefined) ?? 'magnitude',
    iterative: options.iterative === true,
    recover: (options.recover as HeadRecovery | undefined) ?? 'none',
  };
}

/** A share below 1 (0.25), a count from 1 (36). */
function budget(value: number): PruneBudget {
  return value < 1 ? { fraction: value } : { count: value };
}

function needsImages(options: StepOptions): boolean {
  return pruneNeedsFeeds(pruneOptions(options));
}
