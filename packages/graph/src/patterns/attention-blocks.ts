import type { Graph } from '../ir/graph.js';
import type { Node } from '../ir/node.js';
import type { Value } from '../ir/value.js';
import {
  headCluesOfSplitReshape,
  headDimOfScale,
  resolveHeadLayout,
  type HeadLayout,
} from './attention-heads.js';
import {
  dataUses,
  isOp,
  producerOf,
  scalarConstant,
  splitConstantOperand,
  variableInputs,
} from './graph-walk.js';
import { linearMatchOf, linearProducing, type LinearMatch } from './linear-layer.js';
import {
  HEAD_MERGE_OPS,
  PROBABILITY_PATH_OPS,
  PROJECTION_PATH_OPS,
  QKV_CUT_OPS,
} from './op-traits.js';

/** Separate query/key/value projections (Hugging Face), or one packed in-projection (torchvision). */
export type AttentionStyle = 'separate_qkv' | 'fused_qkv';

export interface AttentionMatch {
  readonly softmax: Node;
  /** The Q·Kᵀ MatMul. */
  readonly scores: Node;
  /** The softmax(…)·V MatMul. */
  readonly context: Node;
  readonly style: AttentionStyle;
  /** For a fused block, the same packed projection is the query, key and value. */
  readonly query: LinearMatch;
  readonly key: LinearMatch;
  readonly value: LinearMatch;
  readonly output: LinearMatch | undefined;
  /** Features of the query (heads × head_dim): less than the hidden size once heads are pruned. */
  readonly width: number;
  /** The product of the constant scalings of Q·Kᵀ (1/√head_dim as exported); undefined if computed. */
  readonly scale: number | undefined;
  /** Whether something (a mask, a relative-position bias) is added to the scores before Softmax. */
  readonly addsToScores: boolean;
  readonly layout: HeadLayout | undefined;
  /**
   * The Reshapes that split q, k and v into heads (in that order, each once): their shape inputs,
   * constants or Shape→Gather→Concat chains, hold the head count.
   */
  readonly headSplits: readonly Node[];
  /**
   * The nodes that cut a packed projection into q, k and v, projection side first: Slices, a
   * Split, or (PyTorch 2.x) the Reshape to [L, N, 3, E] and the Gathers; [] for separate ones.
   */
  readonly qkvCuts: readonly Node[];
  /** The Reshape that merges the heads back into one `width`-wide axis before the output projection. */
  readonly headMerge: Node | undefined;
}

/** Every self-attention block, found from its Softmax, in graph order. */
export function findAttentionBlocks(graph: Graph): AttentionMatch[] {
  return graph.nodes.flatMap((node) => {
    const match = isOp(node, 'Softmax') ? matchAttention(node) : undefined;
    return match === undefined ? [] : [match];
  });
}

function matchAttention(softmax: Node): AttentionMatch | undefined {
  const scores = scoresBehind(softmax);
  const context = contextAfter(softmax);
  if (scores === undefined || context === undefined) return undefined;
  const [queryInput, keyInput] = scores.node.inputs;
  const valueInput = context.inputs[1];
  if (queryInput === undefined || keyInput === undefined || valueInput === undefined)
    return undefined;
  const query = traceProjection(queryInput, 0);
  const key = traceProjection(keyInput, 0);
  const value = traceProjection(valueInput, 0);
  if (query === undefined || key === undefined || value === undefined) return undefined;
  const nodes = new Set([query.linear.node, key.linear.node, value.linear.node]);
  if (nodes.size === 2) return undefined;
  const style: AttentionStyle = nodes.size === 1 ? 'fused_qkv' : 'separate_qkv';
  const width = style === 'fused_qkv' ? query.linear.outFeatures / 3 : query.linear.outFeatures;
  if (!Number.isInteger(width)) return undefined;
  const reshapeClues = [query, key, value].flatMap((trace) =>
    trace.reshapes.map(headCluesOfSplitReshape),
  );
  const scale = product([scores.scale, query.scale, key.scale]);
  const headSplits = unique([query, key, value].flatMap((trace) => trace.reshapes));
  const qkvCuts =
    style === 'fused_qkv' ? unique([query, key, value].flatMap((trace) => trace.cuts)) : [];
  const after = outputProjectionAfter(context.output(0));
  const layout = resolveHeadLayout(width, {
    heads: reshapeClues.flatMap((c) => c.heads),
    headDims: reshapeClues.flatMap((c) => c.headDims),
    headDimFromScale: headDimOfScale(scale),
  });
  return {
    softmax,
    scores: scores.node,
    context,
    style,
    query: query.linear,
    key: key.linear,
    value: value.linear,
    output: after?.linear,
    width,
    scale,
    addsToScores: scores.addsToScores,
    layout,
    headSplits,
    qkvCuts,
    headMerge: after?.reshapes.at(-1),
  };
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

/** Walks never go further than a few ops: exports put little between these anchors. */
const MAX_PATH_OPS = 12;

/**
 * The Q·Kᵀ MatMul feeding a Softmax, through the scaling (Div/Mul by a constant), an additive mask
 * or bias, and casts. `scale` is the product of the constant scalings, undefined if one is computed.
 */
function scoresBehind(
  softmax: Node,
): { node: Node; scale: number | undefined; addsToScores: boolean } | undefined {
  let current = softmax.inputs[0];
  let scale: number | undefined = 1;
  let addsToScores = false;
  for (let step = 0; current !== undefined && step < MAX_PATH_OPS; step++) {
    const node = producerOf(current);
    if (isOp(node, 'MatMul'))
      return variableInputs(node).length === 2 ? { node, scale, addsToScores } : undefined;
    if (isOp(node, 'Mul', 'Div')) {
      const scaling = scalingOf(node);
      scale =
        scale === undefined || scaling.factor === undefined ? undefined : scale * scaling.factor;
      current = scaling.data;
    } else if (isOp(node, 'Add')) {
      addsToScores = true;
      current = splitConstantOperand(node)?.variable ?? node.inputs[0];
    } else if (isOp(node, 'Cast', 'Reshape')) {
      current = node.inputs[0];
    } else {
      return undefined;
    }
  }
  return undefined;
}

/** The MatMul applying attention probabilities to V. */
function contextAfter(softmax: Node): Node | undefined {
  let current = softmax.outputs[0];
  for (let step = 0; current !== undefined && step < MAX_PATH_OPS; step++) {
    const uses = dataUses(current);
    if (uses.length !== 1) return undefined;
    const { node, index } = uses[0]!;
    if (isOp(node, 'MatMul')) return index === 0 ? node : undefined;
    if (!isOp(node, ...PROBABILITY_PATH_OPS)) return undefined;
    current = node.outputs[0];
  }
  return undefined;
}

/** How a Mul/Div scales its data operand; `factor` is undefined when the scale is computed. */
function scalingOf(node: Node): { data: Value | undefined; factor: number | undefined } {
  const split = splitConstantOperand(node);
  const divides = node.opType === 'Div';
  if (split === undefined || (divides && split.variable !== node.inputs[0])) {
    return { data: node.inputs[0], factor: undefined };
  }
  const c = scalarConstant(split.constant);
  return {
    data: split.variable,
    factor: c === undefined || c === 0 ? undefined : divides ? 1 / c : c,
  };
}

interface ProjectionTrace {
  readonly linear: LinearMatch;
  /** The Reshapes on the way, which split the projection into heads. */
  readonly reshapes: readonly Node[];
  /** The nodes on the way that cut a packed projection: Slice, Split, Gather, Reshapes before them. */
  readonly cuts: readonly Node[];
  readonly scale: number | undefined;
}

/** Back from a q/k/v operand of an attention MatMul to the Linear that projected it. */
function traceProjection(value: Value, depth: number): ProjectionTrace | undefined {
  const linear = linearProducing(value);
  if (linear !== undefined) return { linear, reshapes: [], cuts: [], scale: 1 };
  const node = producerOf(value);
  if (depth >= MAX_PATH_OPS || !isOp(node, ...PROJECTION_PATH_OPS)) return undefined;
  let scale: number | undefined = 1;
  let next: (Value | undefined)[] = [node.inputs[0]];
  if (isOp(node, 'Mul', 'Div')) {
    const scaling = scalingOf(node);
    scale = scaling.factor;
    // Mul by a computed scale (√(1/√d) on both q and k in newer exports): either side may be data.
    next =
      scaling.factor === undefined && node.opType === 'Mul' ? variableInputs(node) : [scaling.data];
  }
  for (const input of next) {
    const found = input === undefined ? undefined : traceProjection(input, depth + 1);
    if (found === undefined) continue;
    // Reshapes between the projection and its cut (PyTorch 2's unflatten to [L, N, 3, E]) are
    // part of the cut, not head splits: they hold the width, not the head count.
    if (isOp(node, ...QKV_CUT_OPS)) {
      return {
        linear: found.linear,
        reshapes: [],
        cuts: [...found.reshapes, ...found.cuts, node],
        scale: product([scale, found.scale]),
      };
    }
    return {
      linear: found.linear,
      reshapes: isOp(node, 'Reshape') ? [node, ...found.reshapes] : found.reshapes,
      cuts: found.cuts,
      scale: product([scale, found.scale]),
    };
  }
  return undefined;
}

/** The Linear that projects the merged heads back to the hidden size, and the Reshapes before it. */
function outputProjectionAfter(
  context: Value,
): { linear: LinearMatch; reshapes: Node[] } | undefined {
  const reshapes: Node[] = [];
  let current: Value | undefined = context;
  for (let step = 0; current !== undefined && step < MAX_PATH_OPS; step++) {
    const uses = dataUses(current);
    if (uses.length !== 1 || uses[0]!.index !== 0) return undefined;
    const node = uses[0]!.node;
    const linear = linearMatchOf(node);
    if (linear !== undefined) return { linear, reshapes };
    if (!isOp(node, ...HEAD_MERGE_OPS)) return undefined;
    if (isOp(node, 'Reshape')) reshapes.push(node);
    current = node.outputs[0];
  }
  return undefined;
}

function product(factors: readonly (number | undefined)[]): number | undefined {
  let result = 1;
  for (const f of factors) {
    if (f === undefined) return undefined;
    result *= f;
  }
  return result;
}
