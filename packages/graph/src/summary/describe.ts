import type { LayerNormMatch } from '../patterns/layer-norm.js';
import type { LinearMatch } from '../patterns/linear-layer.js';

/** A Linear layer in the JSON summary, by node and initializer names. */
export interface LinearLayer {
  /** The MatMul or Gemm node. */
  node: string;
  op: string;
  weight: string;
  /** The bias value (a Gemm's input C, or the constant of the Add after a MatMul). */
  bias: string | null;
  /** The Add node applying the bias after a MatMul; null for a Gemm or no bias. */
  biasNode: string | null;
  inFeatures: number;
  outFeatures: number;
}

/** LayerNorm as JSON: its style and node names. */
export interface LayerNorm {
  style: 'fused' | 'decomposed';
  nodes: string[];
}

export function describeLinear(linear: LinearMatch): LinearLayer {
  return {
    node: linear.node.name,
    op: linear.node.opType,
    weight: linear.weight.name,
    bias: linear.bias?.name ?? null,
    biasNode: linear.biasAdd?.name ?? null,
    inFeatures: linear.inFeatures,
    outFeatures: linear.outFeatures,
  };
}

export function describeLayerNorm(match: LayerNormMatch): LayerNorm {
  return { style: match.style, nodes: match.nodes.map((n) => n.name) };
}
