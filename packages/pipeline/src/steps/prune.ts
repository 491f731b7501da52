import { VitOptError, type FeedBatch, type Model } from '@vit-opt/graph';
import { createTensorProbe } from '@vit-opt/eval';
import { calibrationImages, type PreprocessOverrides } from '@vit-opt/eval/data';
import {
  planHeadsIteratively,
  pruneHeads,
  pruneMlp,
  scoreNeurons,
  selectNeurons,
  scoreHeads,
  selectHeads,
  type HeadPlan,
  type HeadRecovery,
  type HeadScoring,
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
    const score = (o.score as HeadScoring | undefined) ?? 'magnitude';
    const recover = (o.recover as HeadRecovery | undefined) ?? 'none';
    let feeds: FeedBatch[] | undefined;
    if (needsImages(o)) {
      if (input.calibration === undefined) {
        throw new VitOptError(
          'INVALID_ARGUMENT',
          `a prune variant with ${recover !== 'none' ? `recover: ${recover}` : `score: ${score}`} needs data.calibration`,
          { subject: 'calibration' },
        );
      }
      feeds = await calibrationFeeds(
        input.model,
        input.modelPath,
        input.calibration,
        input.preprocess,
        o,
      );
    }
    const probe = createTensorProbe();
    let plan = o.plan as HeadPlan | undefined;
    if (o.heads !== undefined) {
      const heads = o.heads as number;
      const budget = {
        ...(heads < 1 ? { fraction: heads } : { count: heads }),
        ...(o['per-layer-max'] === undefined ? {} : { perLayerMax: o['per-layer-max'] as number }),
      };
      const signal = input.signal === undefined ? {} : { signal: input.signal };
      if (o.iterative === true && score !== 'magnitude') {
        const chosen = await planHeadsIteratively(input.model, {
          method: score,
          budget,
          feeds: feeds!,
          probe,
          onProgress: (p) => input.onProgress(p.done, p.total, 'heads'),
          ...signal,
        });
        plan = chosen.plan;
      } else {
        const scores = await scoreHeads(input.model, {
          method: score,
          ...(feeds === undefined ? {} : { feeds, probe }),
          onProgress: (p) => input.onProgress(p.done, p.total, 'heads'),
          ...signal,
        });
        plan = selectHeads(scores, budget);
      }
    }
    const result = await pruneHeads(input.model, plan ?? {}, {
      recover,
      ...(feeds === undefined ? {} : { feeds, probe }),
      provenance:
        o.heads === undefined
          ? { plan: 'given' }
          : { scoring: score, iterative: o.iterative === true, budget: o.heads },
      ...(input.signal === undefined ? {} : { signal: input.signal }),
    });
    const notes = [`heads ${result.headsBefore} → ${result.headsAfter}`];
    if (o.mlp !== undefined) {
      const mlp = o.mlp as number;
      const method = score === 'magnitude' ? 'magnitude' : 'activation';
      const neurons = await scoreNeurons(input.model, {
        method,
        ...(feeds === undefined ? {} : { feeds, probe }),
        ...(input.signal === undefined ? {} : { signal: input.signal }),
      });
      const neuronPlan = selectNeurons(neurons, {
        ...(mlp < 1 ? { fraction: mlp } : { count: mlp }),
        ...(o['per-layer-max'] === undefined ? {} : { perLayerMax: o['per-layer-max'] as number }),
      });
      const pruned = await pruneMlp(input.model, neuronPlan, {
        recover,
        ...(feeds === undefined ? {} : { feeds, probe }),
        provenance: { scoring: method, budget: mlp },
        ...(input.signal === undefined ? {} : { signal: input.signal }),
      });
      notes.push(`MLP neurons ${pruned.neuronsBefore} → ${pruned.neuronsAfter}`);
    }
    return { model: input.model, notes };
  },
};

function needsImages(options: StepOptions): boolean {
  const scored =
    (options.heads !== undefined || options.mlp !== undefined) &&
    (options.score ?? 'magnitude') !== 'magnitude';
  return scored || (options.recover !== undefined && options.recover !== 'none');
}

async function calibrationFeeds(
  model: Model,
  modelPath: string,
  folder: string,
  overrides: PreprocessOverrides,
  options: StepOptions,
): Promise<FeedBatch[]> {
  const limit = (options['calib-limit'] as number | undefined) ?? 64;
  const images = await calibrationImages(model, {
    folder,
    modelPath,
    preprocessOverrides: overrides,
    limit,
  });
  const batches: FeedBatch[] = [];
  for await (const feeds of images.feeds) batches.push(feeds);
  return batches;
}
