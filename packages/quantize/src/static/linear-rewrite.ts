import { DataType, Tensor, attr, type Graph, type Node, type Value } from '@vit-opt/graph';
import { addGemmBias, replaceSingleOutputNode } from '../graph/rewrite.js';
import type { ConstantDequantizers } from './constant-dequantizers.js';
import { flattensToGemm, type LinearUnit } from './linear-units.js';
import type { QuantizedTensors } from './quantized-tensors.js';

/** Writes linear units in their chosen form, handing their output's quantization to the new nodes. */
export class LinearRewriter {
  readonly #graph: Graph;
  readonly #tensors: QuantizedTensors;
  readonly #constants: ConstantDequantizers;
  readonly #flattened = new Map<Value, Value>();
  readonly #productShapes = new Map<string, Value>();
  readonly #int64Constants = new Map<string, Value>();

  constructor(graph: Graph, tensors: QuantizedTensors, constants: ConstantDequantizers) {
    this.#graph = graph;
    this.#tensors = tensors;
    this.#constants = constants;
  }

  rewrite(unit: LinearUnit): void {
    if (unit.form === 'gemm') this.#asGemm(unit);
    else this.#asMatMul(unit);
  }

  /**
   * Gemm(A₂, DQ(W[K, N]), DQ(bias int32)) in place of the MatMul (and its bias Add) or the Gemm:
   * a MatMul's A is flattened to [rows, K] (the Flatten shares A's scale and runs on 8-bit data)
   * and the product reshaped back to A's leading dims + N.
   */
  #asGemm(unit: LinearUnit): void {
    const { match } = unit;
    const node = match.node;
    const graph = this.#graph;
    const weight = this.#constants.weight(match, node);
    const old = unit.output;
    // The node's input now, not match.activation: the rewrite of a linear before it (whose output
    // this one reads directly) has replaced the value the search found.
    const activation = node.input(0);
    let gemmOutput: Value | undefined;
    const replaced = replaceSingleOutputNode(unit.biasAdd ?? node, () => {
      const flatten = flattensToGemm(unit);
      const inputs: Value[] = [flatten ? this.#flatten(activation, node) : activation, weight];
      if (unit.bias !== undefined) {
        const name = `${(unit.biasAdd ?? node).name.replace(/^\//, '')}_bias_int32`;
        const activationScale = this.#tensors.paramsOf(activation).scale;
        inputs.push(this.#constants.int32Bias(name, unit.bias, activationScale, match, node));
      }
      const gemm = graph.addNode({ opType: 'Gemm', name: `${node.name}_gemm`, inputs, outputs: [`${old.name}_2d`] }, { before: node });
      this.#tensors.readAsIntegers(gemm, [0]);
      gemmOutput = gemm.output(0);
      // A Gemm's C computed at run time cannot be an int32 bias: it is added in float after.
      const product = unit.bias === undefined && node.opType === 'Gemm' ? addGemmBias(graph, match, gemmOutput, node) : gemmOutput;
      if (!flatten) return product;
      return graph.addNode(
        { opType: 'Reshape', name: `${node.name}_unflatten`, inputs: [product, this.#productShape(activation, match.n, node)], outputs: [`${old.name}_nd`] },
        { before: node },
      ).output(0);
    });
    if (unit.biasAdd !== undefined) graph.removeNode(node);
    this.#tensors.handOver(old, gemmOutput!, replaced);
  }

  /** MatMul(A, DQ(W)); a MatMul's bias Add stays as it is, a Gemm's C (× beta) becomes one. */
  #asMatMul(unit: LinearUnit): void {
    const { match } = unit;
    const node = match.node;
    const weight = this.#constants.weight(match, node);
    if (node.opType === 'MatMul') {
      node.setInput(1, weight);
      this.#tensors.readAsIntegers(node, [0]);
      return;
    }
    const old = node.output(0);
    let product: Value | undefined;
    const replaced = replaceSingleOutputNode(node, () => {
      const matmul = this.#graph.addNode(
        { opType: 'MatMul', name: `${node.name}_matmul`, inputs: [node.input(0), weight], outputs: [`${old.name}_product`] },
        { before: node },
      );
      this.#tensors.readAsIntegers(matmul, [0]);
      product = matmul.output(0);
      return addGemmBias(this.#graph, match, product, node);
    });
    this.#tensors.handOver(old, product!, replaced);
  }

  /** A as [rows, K]; one Flatten per activation, shared by the units that read it. */
  #flatten(activation: Value, before: Node): Value {
    const existing = this.#flattened.get(activation);
    if (existing !== undefined) return existing;
    const flat = this.#graph.addNode(
      { opType: 'Flatten', name: `${activation.name}_Flatten`, inputs: [activation], outputs: [`${activation.name}_2d`], attributes: [attr.int('axis', -1)] },
      { before },
    ).output(0);
    this.#tensors.shareScale(flat, activation);
    this.#flattened.set(activation, flat);
    return flat;
  }

  /**
   * [leading dims of A…, N] for reshaping a 2-D product back, computed at run time from A's shape
   * (the batch is dynamic); one per activation and width, shared by the units that read it.
   */
  #productShape(activation: Value, n: number, before: Node): Value {
    const key = `${activation.name}\u0000${n}`;
    const existing = this.#productShapes.get(key);
    if (existing !== undefined) return existing;
    const graph = this.#graph;
    const shape = graph.addNode({ opType: 'Shape', name: `${activation.name}_Shape`, inputs: [activation], outputs: [`${activation.name}_shape`] }, { before });
    const leading = graph.addNode(
      {
        opType: 'Slice',
        name: `${activation.name}_leading_dims`,
        inputs: [shape.output(0), this.#int64('slice_start_0', [0]), this.#int64('slice_end_minus_1', [-1])],
        outputs: [`${activation.name}_leading_dims`],
      },
      { before },
    );
    const target = graph.addNode(
      {
        opType: 'Concat',
        name: `${activation.name}_product_shape`,
        inputs: [leading.output(0), this.#int64(`width_${n}`, [n])],
        outputs: [`${activation.name}_product_shape`],
        attributes: [attr.int('axis', 0)],
      },
      { before },
    ).output(0);
    this.#productShapes.set(key, target);
    return target;
  }

  #int64(name: string, values: number[]): Value {
    const cached = this.#int64Constants.get(name);
    if (cached !== undefined) return cached;
    const value = this.#graph.addInitializer(Tensor.fromArray({ dtype: DataType.INT64, dims: [values.length] }, BigInt64Array.from(values, BigInt)), name);
    this.#int64Constants.set(name, value);
    return value;
  }
}
