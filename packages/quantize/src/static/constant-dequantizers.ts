import { DataType, Tensor, attr, type Graph, type Node, type Value } from '@vit-opt/graph';
import { addTensor } from '../graph/rewrite.js';
import type { QuantizedInt8Weight } from '../weights/int8-weights.js';
import { quantizeBiasInt32 } from './int32-bias.js';

/** DequantizeLinear nodes of constants: the 8-bit weights and the int32 biases. */
export class ConstantDequantizers {
  readonly #graph: Graph;
  readonly #weights: ReadonlyMap<Value, QuantizedInt8Weight>;
  readonly #dequantizedWeights = new Map<Value, Value>();

  constructor(graph: Graph, weights: ReadonlyMap<Value, QuantizedInt8Weight>) {
    this.#graph = graph;
    this.#weights = weights;
  }

  /** The quantized weight of `weightValue`, dequantized; one per weight, shared by tied nodes. */
  weight(weightValue: Value, dims: readonly number[], before: Node): Value {
    const existing = this.#dequantizedWeights.get(weightValue);
    if (existing !== undefined) return existing;
    const weight = this.#weights.get(weightValue)!;
    const graph = this.#graph;
    const output = graph
      .addNode(
        {
          opType: 'DequantizeLinear',
          name: `${weightValue.name}_DequantizeLinear`,
          inputs: this.integerWeight(weightValue, dims),
          outputs: [`${weightValue.name}_dequantized`],
          attributes:
            weight.channelAxis === undefined ? [] : [attr.int('axis', weight.channelAxis)],
        },
        { before },
      )
      .output(0);
    this.#dequantizedWeights.set(weightValue, output);
    return output;
  }

  /**
   * The 8-bit weight's initializers [values, scale, zero point], for a kernel that takes them as
   * inputs (QAttention) or for its DequantizeLinear.
   */
  integerWeight(weightValue: Value, dims: readonly number[]): [Value, Value, Value] {
    const weight = this.#weights.get(weightValue)!;
    const graph = this.#graph;
    const scaleDims = weight.channelAxis === undefined ? [] : [dims[weight.channelAxis]!];
    const dtype = weight.elementType === 'int8' ? DataType.INT8 : DataType.UINT8;
    return [
      addTensor(graph, `${weightValue.name}_quantized`, dtype, dims, weight.values),
      addTensor(graph, `${weightValue.name}_scale`, DataType.FLOAT, scaleDims, weight.scales),
      addTensor(graph, `${weightValue.name}_zero_point`, dtype, scaleDims, weight.zeroPoints),
    ];
  }

  /**
   * A float bias [N] as int32 in the kernel's accumulator units (scale = activation scale ×
   * weight scale, per channel), dequantized: the bias input QGemm and QLinearConv fuse.
   */
  int32Bias(
    baseName: string,
    bias: Float32Array,
    activationScale: number,
    weightValue: Value,
    before: Node,
  ): Value {
    const graph = this.#graph;
    const { values, scales } = quantizeBiasInt32(
      bias,
      activationScale,
      this.#weights.get(weightValue)!.scales,
    );
    const perChannel = scales.length > 1;
    return graph
      .addNode(
        {
          opType: 'DequantizeLinear',
          name: `${baseName}_DequantizeLinear`,
          inputs: [
            graph.addInitializer(
              Tensor.fromArray({ dtype: DataType.INT32, dims: [values.length] }, values),
              baseName,
            ),
            addTensor(
              graph,
              `${baseName}_scale`,
              DataType.FLOAT,
              perChannel ? [scales.length] : [],
              scales,
            ),
          ],
          outputs: [`${baseName}_dequantized`],
          attributes: perChannel ? [attr.int('axis', 0)] : [],
        },
        { before },
      )
      .output(0);
  }
}
