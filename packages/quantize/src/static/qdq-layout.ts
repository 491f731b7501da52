import type { Model, Node, Value } from '@vit-opt/graph';
import {
  findAttentionNodes,
  findWeightedNodes,
  type SkippedNode,
  type WeightedAttention,
  type WeightedConv,
} from '../graph/weighted-nodes.js';
import { constantScaling, findActivationMatMuls, signedOperands, type FoldedScale } from './activation-matmuls.js';
import { linearForm, linearUnit, type LinearUnit } from './linear-units.js';
import type { StaticLayoutSettings } from './static-options.js';
import { valueOrigin } from './value-preserving-ops.js';

/** Which tensors a static quantization quantizes, and which nodes then run in integers. */
export interface QdqLayout {
  readonly linears: LinearUnit[];
  readonly convolutions: WeightedConv[];
  /** Fused com.microsoft Attention nodes, to become QAttention on their quantized input. */
  readonly attentions: WeightedAttention[];
  /** MatMuls of two activations (attention Q·Kᵀ and P·V). */
  readonly activationMatMuls: Node[];
  /** Tensors that get their own scale from a calibrated range, in graph order. */
  readonly calibrated: Value[];
  /** Outputs of value-preserving ops, each with the calibrated tensor whose scale it shares. */
  readonly sharing: ReadonlyMap<Value, Value>;
  /** Calibrated tensors quantized to int8 whatever the activation type (see signedOperands). */
  readonly signedTensors: ReadonlySet<Value>;
  /** Calibrated tensors quantized to uint8 whatever the activation type: QAttention takes only uint8. */
  readonly unsignedTensors: ReadonlySet<Value>;
  /** Activation MatMuls whose output's 1/√d scaling moves into their first input's scale. */
  readonly foldedScales: ReadonlyMap<Node, FoldedScale>;
  readonly skipped: SkippedNode[];
}

/**
 * Plans the static layout. Every input of a quantized node is quantized where its values were
 * computed (above any Reshape/Transpose), so the rearranging ops run on 8-bit data and one
 * QuantizeLinear serves every consumer. A quantized node's output is quantized when an integer
 * consumer reads it, so onnxruntime chains integer kernels; otherwise the kernel writes float
 * (QGemm and MatMulIntegerToFloat do). Softmax, LayerNorm and GELU are never quantized nodes:
 * their outputs are quantized only as inputs of the next MatMul.
 *
 * QDQ format folds a MatMul's bias into its unit (QGemm adds an int32 bias in its kernel).
 * QOperator format has no standard op for that: every quantized node's own output is quantized
 * (QLinearMatMul writes 8 bits) and the bias stays a float Add; an activation MatMul there is
 * quantized only when an integer node reads its output, so the attention scores that feed the
 * Softmax stay float.
 */
export function planQdqLayout(model: Model, settings: StaticLayoutSettings): QdqLayout {
  const search = findWeightedNodes(model, settings);
  const qdq = settings.format === 'qdq';
  const units: LinearUnit[] = [];
  const convolutions: WeightedConv[] = [];
  for (const match of search.found) {
    if (match.kind === 'conv') convolutions.push(match);
    else units.push(linearUnit(match, qdq));
  }
  const attention = findAttentionNodes(model, settings);
  const skipped = [...attention.skipped, ...search.skipped];
  let activationMatMuls = settings.quantizeActivationMatMuls
    ? findActivationMatMuls(model, settings, new Set(search.found.map((match) => match.node)), skipped)
    : [];

  const planner = new TensorPlanner();
  for (const unit of units) planner.quantizeInput(unit.match.activation);
  for (const node of attention.found) planner.quantizeInput(node.activation);
  for (const conv of convolutions) {
    planner.quantizeInput(conv.activation);
    // QLinearConv has no float-output form: its output is always quantized.
    planner.quantizeOutput(conv.node.output(0));
  }
  if (!qdq) activationMatMuls = activationMatMuls.filter((node) => planner.quantizesOrigin(node.output(0)));
  for (const node of activationMatMuls) {
    planner.quantizeInput(node.input(0));
    planner.quantizeInput(node.input(1));
  }
  if (!qdq) for (const unit of units) planner.quantizeOutput(unit.output);
  const tensors = planner.result(model);

  const calibrated = new Set(tensors.calibrated);
  const foldedScales = new Map<Node, FoldedScale>();
  for (const node of qdq ? activationMatMuls : []) {
    const folded = calibrated.has(node.output(0)) ? undefined : constantScaling(node.output(0));
    if (folded !== undefined) foldedScales.set(node, folded);
  }
  const signedTensors = qdq ? signedOperands({ linears: units, convolutions, activationMatMuls }, tensors.sharing) : new Set<Value>();
  const linears = units.map((unit): LinearUnit => ({ ...unit, form: qdq ? linearForm(unit, signedTensors) : 'matmul' }));
  const unsignedTensors = new Set(attention.found.map((node) => valueOrigin(node.activation).origin));
  return {
    linears,
    convolutions,
    attentions: attention.found,
    activationMatMuls,
    skipped,
    ...tensors,
    signedTensors,
    unsignedTensors,
    foldedScales,
  };
}

/** Collects the quantized tensors, each once, with the rearranged copies that share its scale. */
class TensorPlanner {
  readonly #calibrated = new Set<Value>();
  readonly #sharing = new Map<Value, Value>();

  /** The tensor feeding a quantized node, quantized where it was computed. */
  quantizeInput(value: Value): void {
    const { origin, rearranged } = valueOrigin(value);
    this.#calibrated.add(origin);
    for (const copy of rearranged) this.#sharing.set(copy, origin);
  }

  quantizeOutput(value: Value): void {
    if (!this.#sharing.has(value)) this.#calibrated.add(value);
  }

  /** Whether `value` is already quantized where it is computed, for a consumer planned before. */
  quantizesOrigin(value: Value): boolean {
    return this.#calibrated.has(value);
  }

  /** The tensors in graph order (graph inputs first), so emitted nodes follow their producers. */
  result(model: Model): { calibrated: Value[]; sharing: Map<Value, Value> } {
    const order = new Map<Value, number>();
    model.graph.inputs.forEach((value, i) => order.set(value, i - model.graph.inputs.length));
    model.graph.nodes.forEach((node, i) => {
      for (const output of node.outputs) if (output !== undefined) order.set(output, i);
    });
    const calibrated = [...this.#calibrated].sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
    return { calibrated, sharing: this.#sharing };
  }
}
