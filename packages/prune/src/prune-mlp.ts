import {
  VitOptError,
  cleanup,
  findMlpBlocks,
  type FeedBatch,
  type FeedBatches,
  type LinearMatch,
  type Model,
  type TensorProbe,
} from '@vit-opt/graph';
import { augmentedGrams, featureMeans, forEachActivation } from './activations.js';
import { collectBatches } from './feeds.js';
import { refitLinear } from './least-squares.js';
import {
  foldInputMeansIntoBias,
  readWeight,
  sliceLinear,
  writeLinear,
  zeroLinearInputs,
} from './linear-weights.js';
import { tokenCount, type HeadRecovery } from './prune-heads.js';
import { writePruneRecipe } from './recipe.js';
import { selectHeads, type HeadBudget } from './select-heads.js';

/** An MLP block (fc1 → activation → fc2) whose hidden neurons a pass can score and remove. */
export interface MlpLayer {
  /** Position among the model's MLP blocks, in graph order (the key of a neuron plan). */
  readonly index: number;
  readonly fc1: LinearMatch;
  readonly fc2: LinearMatch;
  /** fc1's output features: the neurons. */
  readonly neurons: number;
}

/** Neurons to remove, by MLP layer: `{ 0: [5, 17] }`. */
export type NeuronPlan = Readonly<Record<number, readonly number[]>>;

export interface NeuronImportance {
  readonly layer: number;
  readonly neuron: number;
  readonly score: number;
}

/** Every MLP block of the model; a model without one is refused. */
export function findMlpLayers(model: Model): MlpLayer[] {
  const blocks = findMlpBlocks(model.graph);
  if (blocks.length === 0) {
    throw new VitOptError(
      'UNSUPPORTED',
      'no MLP block recognised in the model; looked for two Linear layers (MatMul + Add or Gemm with constant weights) joined by an activation (GELU as Erf or Tanh arithmetic or one op, ReLU, SiLU) and nothing else',
      { subject: 'model' },
    );
  }
  return blocks.map(({ fc1, fc2 }, index) => ({ index, fc1, fc2, neurons: fc1.outFeatures }));
}

/**
 * - 'magnitude': ‖fc1 column‖ · ‖fc2 row‖ of each neuron; no data.
 * - 'activation': mean |activation| of the neuron on `feeds` times ‖fc2 row‖: its mean contribution.
 */
export type NeuronScoring = 'magnitude' | 'activation';

export interface ScoreNeuronsOptions {
  readonly method?: NeuronScoring;
  readonly feeds?: FeedBatches;
  readonly probe?: TensorProbe;
  readonly sampleLimit?: number;
  readonly signal?: AbortSignal;
}

export async function scoreNeurons(
  model: Model,
  options: ScoreNeuronsOptions = {},
): Promise<NeuronImportance[]> {
  const method = options.method ?? 'magnitude';
  if (method !== 'magnitude' && method !== 'activation') {
    throw new VitOptError(
      'INVALID_ARGUMENT',
      `method must be magnitude or activation, got '${String(method)}'`,
      {
        subject: 'method',
      },
    );
  }
  const layers = findMlpLayers(model);
  const rowNorms = layers.map((layer) => {
    const w = readWeight(layer.fc2);
    return Array.from({ length: layer.neurons }, (_, n) => {
      let sum = 0;
      for (let o = 0; o < w.outFeatures; o++) sum += w.data[n * w.outFeatures + o]! ** 2;
      return Math.sqrt(sum);
    });
  });
  if (method === 'magnitude') {
    return layers.flatMap((layer) => {
      const w = readWeight(layer.fc1);
      return Array.from({ length: layer.neurons }, (_, n) => {
        let sum = 0;
        for (let i = 0; i < w.inFeatures; i++) sum += w.data[i * w.outFeatures + n]! ** 2;
        return {
          layer: layer.index,
          neuron: n,
          score: Math.sqrt(sum) * rowNorms[layer.index]![n]!,
        };
      });
    });
  }
  const batches = await requireBatches(options, `'activation' scoring`);
  const byName = new Map(layers.map((layer) => [layer.fc2.node.inputs[0]!.name, layer]));
  const sums = layers.map((layer) => ({ abs: new Float64Array(layer.neurons), rows: 0 }));
  await forEachActivation(
    model,
    [...byName.keys()],
    batches,
    options.probe!,
    (name, { data }) => {
      const layer = byName.get(name)!;
      const entry = sums[layer.index]!;
      const rows = data.length / layer.neurons;
      for (let r = 0; r < rows; r++)
        for (let n = 0; n < layer.neurons; n++)
          entry.abs[n]! += Math.abs(data[r * layer.neurons + n]!);
      entry.rows += rows;
    },
    options.signal,
  );
  return layers.flatMap((layer) =>
    Array.from({ length: layer.neurons }, (_, n) => ({
      layer: layer.index,
      neuron: n,
      score:
        (sums[layer.index]!.abs[n]! / Math.max(sums[layer.index]!.rows, 1)) *
        rowNorms[layer.index]![n]!,
    })),
  );
}

/** The least important neurons across layers, up to the budget, one kept in every layer. */
export function selectNeurons(
  importance: readonly NeuronImportance[],
  budget: HeadBudget,
): NeuronPlan {
  return selectHeads(
    importance.map(({ layer, neuron, score }) => ({ layer, head: neuron, score })),
    budget,
    'neurons',
  );
}

export interface PruneMlpOptions {
  /** As pruneHeads': 'bias' folds the removed neurons' mean contribution into fc2's bias, 'lstsq' refits fc2. */
  readonly recover?: HeadRecovery;
  readonly feeds?: FeedBatches;
  readonly probe?: TensorProbe;
  readonly provenance?: Readonly<Record<string, unknown>>;
  readonly signal?: AbortSignal;
}

export interface MlpPruning {
  readonly layer: number;
  readonly neuronsBefore: number;
  readonly neuronsAfter: number;
  readonly parametersBefore: number;
  readonly parametersAfter: number;
  /** Multiply-adds of fc1 and fc2 for one image (see LayerPruning); null when unknown. */
  readonly multiplyAddsBefore: number | null;
  readonly multiplyAddsAfter: number | null;
}

export interface PruneMlpResult {
  readonly layers: readonly MlpPruning[];
  readonly neuronsBefore: number;
  readonly neuronsAfter: number;
  readonly recover: HeadRecovery;
}

/**
 * Removes the planned neurons of each MLP, in place: fc1's columns and bias entries and fc2's rows
 * (the activation between them is elementwise), so the model computes what the original does
 * with those neurons' fc2 rows zeroed (maskNeurons). A plan naming a missing layer or neuron, or
 * emptying a layer, is refused before anything changes. The recipe goes into metadata_props.
 */
export async function pruneMlp(
  model: Model,
  plan: NeuronPlan,
  options: PruneMlpOptions = {},
): Promise<PruneMlpResult> {
  const recover = options.recover ?? 'none';
  if (!['none', 'bias', 'lstsq'].includes(recover)) {
    throw new VitOptError(
      'INVALID_ARGUMENT',
      `recover must be one of none, bias, lstsq, got '${String(recover)}'`,
      {
        subject: 'recover',
      },
    );
  }
  const layers = findMlpLayers(model);
  const resolved = resolveNeuronPlan(layers, plan);
  const tokens = tokenCount(model);
  const pruned = [...resolved.keys()].map((index) => layers[index]!);
  const inputName = (layer: MlpLayer): string => layer.fc2.node.inputs[0]!.name;
  let means: Map<string, Float64Array> | undefined;
  const refits = new Map<number, { weight: Float32Array; bias: Float32Array }>();
  if (recover !== 'none' && pruned.length > 0) {
    for (const layer of pruned) {
      if (layer.fc2.bias === undefined)
        throw new VitOptError(
          'UNSUPPORTED',
          `recover '${recover}' needs a bias on '${layer.fc2.node.name}'`,
          {
            subject: layer.fc2.node.name,
          },
        );
    }
    const batches = await requireBatches(options, `recover '${recover}'`);
    const names = pruned.map(inputName);
    if (recover === 'bias')
      means = await featureMeans(model, names, batches, options.probe!, options.signal);
    else {
      const grams = await augmentedGrams(model, names, batches, options.probe!, options.signal);
      for (const layer of pruned)
        refits.set(
          layer.index,
          refitLinear(layer.fc2, resolved.get(layer.index)!.kept, grams.get(inputName(layer))!),
        );
    }
  }
  options.signal?.throwIfAborted();
  const report: MlpPruning[] = [];
  for (const layer of layers) {
    const entry = resolved.get(layer.index);
    const kept = entry?.kept.length ?? layer.neurons;
    const macs = (n: number): number | null =>
      tokens === null ? null : tokens * n * (layer.fc1.inFeatures + layer.fc2.outFeatures);
    const parameters = (n: number): number =>
      n * (layer.fc1.inFeatures + 1) + n * layer.fc2.outFeatures + layer.fc2.outFeatures;
    report.push({
      layer: layer.index,
      neuronsBefore: layer.neurons,
      neuronsAfter: kept,
      parametersBefore: parameters(layer.neurons),
      parametersAfter: parameters(kept),
      multiplyAddsBefore: macs(layer.neurons),
      multiplyAddsAfter: macs(kept),
    });
    if (entry === undefined) continue;
    const mean = means?.get(inputName(layer));
    if (mean !== undefined) foldInputMeansIntoBias(layer.fc2, entry.removed, mean);
    sliceLinear(layer.fc1, { outputs: entry.kept });
    sliceLinear(layer.fc2, { inputs: entry.kept });
  }
  if (refits.size > 0) {
    const after = findMlpLayers(model);
    for (const [index, { weight, bias }] of refits) writeLinear(after[index]!.fc2, weight, bias);
  }
  if (pruned.length > 0) {
    cleanup(model.graph);
    for (const node of model.graph.nodes) {
      for (const value of node.outputs) {
        if (value === undefined || value.isGraphOutput) continue;
        value.type = undefined;
        value.declared = false;
      }
    }
    writePruneRecipe(model, {
      pass: 'pruneMlp',
      removedNeurons: Object.fromEntries(
        [...resolved].map(([index, { removed }]) => [index, removed.length]),
      ),
      recover,
      ...(options.provenance ?? {}),
    });
  }
  return {
    layers: report,
    neuronsBefore: report.reduce((n, l) => n + l.neuronsBefore, 0),
    neuronsAfter: report.reduce((n, l) => n + l.neuronsAfter, 0),
    recover,
  };
}

/** Zeroes fc2's rows of the planned neurons, in place: what pruneMlp must compute. */
export function maskNeurons(model: Model, plan: NeuronPlan): void {
  const layers = findMlpLayers(model);
  for (const [index, { removed }] of resolveNeuronPlan(layers, plan))
    zeroLinearInputs(layers[index]!.fc2, removed);
}

function resolveNeuronPlan(
  layers: readonly MlpLayer[],
  plan: NeuronPlan,
): Map<number, { removed: number[]; kept: number[] }> {
  const resolved = new Map<number, { removed: number[]; kept: number[] }>();
  const invalid = (message: string): VitOptError =>
    new VitOptError('INVALID_ARGUMENT', `the neuron plan ${message}`, { subject: 'plan' });
  for (const [key, neurons] of Object.entries(plan)) {
    const index = Number(key);
    const layer = Number.isInteger(index) ? layers[index] : undefined;
    if (layer === undefined)
      throw invalid(
        `names MLP layer ${key}, but the model has ${layers.length} (0–${layers.length - 1})`,
      );
    if (!Array.isArray(neurons)) throw invalid(`layer ${key}: neurons must be a list of indices`);
    const removed = new Set<number>();
    for (const n of neurons as unknown[]) {
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n >= layer.neurons)
        throw invalid(
          `MLP layer ${key} has neurons 0–${layer.neurons - 1}; the plan names ${String(n)}`,
        );
      removed.add(n);
    }
    if (removed.size === 0) continue;
    if (removed.size >= layer.neurons)
      throw invalid(`removes every neuron of MLP layer ${key}; at least one must stay`);
    const kept: number[] = [];
    for (let n = 0; n < layer.neurons; n++) if (!removed.has(n)) kept.push(n);
    resolved.set(index, { removed: [...removed].sort((a, b) => a - b), kept });
  }
  return resolved;
}

async function requireBatches(
  options: { feeds?: FeedBatches; probe?: TensorProbe; sampleLimit?: number },
  what: string,
): Promise<FeedBatch[]> {
  if (options.feeds === undefined || options.probe === undefined) {
    throw new VitOptError(
      'INVALID_ARGUMENT',
      `${what} needs calibration feeds and a probe to run the model`,
      {
        subject: options.feeds === undefined ? 'feeds' : 'probe',
      },
    );
  }
  const batches = await collectBatches(options.feeds, options.sampleLimit);
  if (batches.length === 0)
    throw new VitOptError('INVALID_ARGUMENT', `${what} got no calibration batches`, {
      subject: 'feeds',
    });
  return batches;
}
