import {
  VitOptError,
  type FeedBatch,
  type FeedBatches,
  type Model,
  type TensorProbe,
} from '@vit-opt/graph';
import { findAttentionLayers } from './attention-layers.js';
import { collectBatches } from './feeds.js';
import type { HeadPlan } from './head-plan.js';
import { planHeadsIteratively } from './iterative-plan.js';
import { pruneHeads, type HeadRecovery, type PruneHeadsResult } from './prune-heads.js';
import { pruneMlp, scoreNeurons, selectNeurons, type PruneMlpResult } from './prune-mlp.js';
import { scoreHeads, type HeadImportance, type HeadScoring } from './score-heads.js';
import { headsWanted, selectHeads, type HeadBudget } from './select-heads.js';

/** A share of all heads or neurons (0.25) or a count (36), the least important first. */
export type PruneBudget = Omit<HeadBudget, 'perLayerMax'>;

export interface PruneModelOptions {
  /** Heads to remove: a budget, chosen by `score`, or exactly the heads of a plan. */
  readonly heads?: PruneBudget | { readonly plan: HeadPlan };
  /** MLP neurons to remove, by weight magnitude, or by mean contribution on `feeds` for any other `score`. */
  readonly mlp?: PruneBudget;
  /** Remove at most this many heads, and neurons, from one layer. */
  readonly perLayerMax?: number;
  /** How a budget ranks the heads (default 'magnitude'). */
  readonly score?: HeadScoring;
  /**
   * Choose one head at a time, scoring the others again with it removed ('activation' and
   * 'ablation'; a magnitude does not change when other heads go, so it chooses at once).
   */
  readonly iterative?: boolean;
  /** What pruneHeads and pruneMlp do to make up for what they removed (default 'none'). */
  readonly recover?: HeadRecovery;
  /** Calibration batches for data-driven scores and recovery; read once, kept in memory. */
  readonly feeds?: FeedBatches;
  /** What runs the model on `feeds` (e.g. @vit-opt/eval's createTensorProbe()). */
  readonly probe?: TensorProbe;
  /** Prune `model` itself rather than a copy (default false: the caller's model is untouched). */
  readonly inPlace?: boolean;
  /** The long stages: ablation scoring, head by head; iterative choice, round by round. */
  readonly onProgress?: (progress: PruneModelProgress) => void;
  readonly signal?: AbortSignal;
}

export interface PruneModelProgress {
  /** 'scoring': heads ablated; 'choosing': heads chosen iteratively. */
  readonly stage: 'scoring' | 'choosing';
  /** Heads done, and of how many; the first report of a stage, before any work, has 0 done. */
  readonly done: number;
  readonly total: number;
}

export interface PrunedModel {
  /** The pruned model: a copy unless `inPlace`. */
  readonly model: Model;
  /** The heads removed, by layer ({} when none). */
  readonly plan: HeadPlan;
  /** The scores a budget chose heads by (the last round's, iteratively); none for a plan. */
  readonly scores?: HeadImportance[];
  readonly heads: PruneHeadsResult;
  /** With `mlp`: the neurons removed. */
  readonly mlp?: PruneMlpResult;
}

/**
 * Whether pruning with these options runs the model on calibration feeds: a budget ranked by
 * activation or ablation, or a recovery.
 */
export function pruneNeedsFeeds(
  options: Pick<PruneModelOptions, 'heads' | 'mlp' | 'score' | 'recover'>,
): boolean {
  const budgeted =
    (options.heads !== undefined && !('plan' in options.heads)) || options.mlp !== undefined;
  const scored = budgeted && (options.score ?? 'magnitude') !== 'magnitude';
  return scored || (options.recover ?? 'none') !== 'none';
}

/**
 * The whole structural pruning of one model, as `vit-opt prune` and the pipeline run it: score
 * the heads and choose those a budget removes (at once or iteratively), or take a plan; remove
 * them with recovery; then, when asked, score, choose and remove MLP neurons the same way. Each
 * step writes its recipe into the model's metadata_props.
 */
export async function pruneModel(model: Model, options: PruneModelOptions): Promise<PrunedModel> {
  const { heads, mlp } = options;
  if (heads === undefined && mlp === undefined) {
    throw new VitOptError('INVALID_ARGUMENT', 'nothing to prune: give heads, mlp, or both', {
      subject: 'heads',
    });
  }
  if (pruneNeedsFeeds(options) && (options.feeds === undefined || options.probe === undefined)) {
    throw new VitOptError(
      'INVALID_ARGUMENT',
      `${(options.recover ?? 'none') !== 'none' ? `recover '${options.recover}'` : `'${options.score}' scoring`} runs the model: give feeds and a probe`,
      { subject: options.feeds === undefined ? 'feeds' : 'probe' },
    );
  }
  const target = options.inPlace === true ? model : model.clone();
  const score = options.score ?? 'magnitude';
  const recover = options.recover ?? 'none';
  const feeds = options.feeds === undefined ? undefined : await collectBatches(options.feeds);
  const data = runWith(feeds, options.probe);
  const signal = options.signal === undefined ? {} : { signal: options.signal };
  const chosen =
    heads === undefined || 'plan' in heads
      ? { plan: heads?.plan ?? {} }
      : await chooseHeads(target, { ...options, heads, score }, feeds);
  const headsResult = await pruneHeads(target, chosen.plan, {
    recover,
    ...data,
    provenance:
      heads === undefined || 'plan' in heads
        ? { plan: 'given' }
        : { scoring: score, iterative: options.iterative === true, budget: heads },
    ...signal,
  });
  const result: PrunedModel = { model: target, ...chosen, heads: headsResult };
  if (mlp === undefined) return result;
  const method = score === 'magnitude' ? 'magnitude' : 'activation';
  const neurons = await scoreNeurons(target, { method, ...data, ...signal });
  const neuronPlan = selectNeurons(neurons, { ...mlp, ...perLayerMax(options) });
  const mlpResult = await pruneMlp(target, neuronPlan, {
    recover,
    ...data,
    provenance: { scoring: method, budget: mlp },
    ...signal,
  });
  return { ...result, mlp: mlpResult };
}

/** The heads a budget removes, and the scores they were chosen by. */
async function chooseHeads(
  model: Model,
  options: PruneModelOptions & { heads: PruneBudget; score: HeadScoring },
  feeds: FeedBatch[] | undefined,
): Promise<{ plan: HeadPlan; scores?: HeadImportance[] }> {
  const { score, onProgress } = options;
  const budget: HeadBudget = { ...options.heads, ...perLayerMax(options) };
  const signal = options.signal === undefined ? {} : { signal: options.signal };
  const data = runWith(feeds, options.probe);
  if (options.iterative === true && score !== 'magnitude') {
    const total = headsWanted(budget, headCount(model));
    onProgress?.({ stage: 'choosing', done: 0, total });
    const { plan, rounds } = await planHeadsIteratively(model, {
      method: score,
      budget,
      ...data,
      ...(onProgress === undefined
        ? {}
        : { onProgress: (p) => onProgress({ stage: 'choosing', ...p }) }),
      ...signal,
    });
    const last = rounds.at(-1);
    return last === undefined ? { plan } : { plan, scores: last };
  }
  if (score === 'ablation') onProgress?.({ stage: 'scoring', done: 0, total: headCount(model) });
  const scores = await scoreHeads(model, {
    method: score,
    ...data,
    ...(onProgress === undefined
      ? {}
      : { onProgress: (p) => onProgress({ stage: 'scoring', ...p }) }),
    ...signal,
  });
  return { plan: selectHeads(scores, budget), scores };
}

/** The feeds and probe the passes run the model with, as their options take them. */
function runWith(
  feeds: FeedBatch[] | undefined,
  probe: TensorProbe | undefined,
): { feeds?: FeedBatch[]; probe?: TensorProbe } {
  return {
    ...(feeds === undefined ? {} : { feeds }),
    ...(probe === undefined ? {} : { probe }),
  };
}

function headCount(model: Model): number {
  return findAttentionLayers(model).reduce((n, layer) => n + layer.heads, 0);
}

function perLayerMax(options: PruneModelOptions): { perLayerMax?: number } {
  return options.perLayerMax === undefined ? {} : { perLayerMax: options.perLayerMax };
}
