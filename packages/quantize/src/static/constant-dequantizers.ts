import { DataType, Tensor, attr, type Graph, type Node, type Value } from '@vit-opt/graph';
import { addTensor } from '../graph/rewrite.js';
import { layoutDims, type QuantizedWeights, type WeightMatch } from '../graph/weight-layouts.js';
import { quantizeBiasInt32 } from './int32-bias.js';

/** DequantizeLinear nodes of constants: the 8-bit weights and the int32 biases. */
export class ConstantDequantizers {
  readonly #graph: Graph;
  readonly #weights: QuantizedWeights;
  /** By layout key: nodes that read one initializer in one layout share its DequantizeLinear. */
  readonly #dequantizedWeights = new Map<string, Value>();

  constructor(graph: Graph, weights: QuantizedWeights) {
    this.#graph = graph;
    this.#weights = weights;
  }

  /** The quantized weight `match` reads, dequantized; one per weight and layout. */
  weight(match: WeightMatch, before: Node): Value {
    const key = this.#weights.keyOf(match);
    const existing = this.#dequantizedWeights.get(key);
    if (existing !== undefined) return existing;
    const weight = this.#weights.of(match);
    const name = match.weightValue.name;
    const output = this.#graph
      .addNode(
        {
          opType: 'DequantizeLinear',
          name: `${name}_DequantizeLinear`,
          inputs: this.integerWeight(match),
          outputs: [`${name}_dequantized`],
          attributes:
            weight.channelAxis === undefined ? [] : [attr.int('axis', weight.channelAxis)],
        },
        { before },
      )
      .output(0);
    this.#dequantizedWeights.set(key, output);
    return output;
  }

  /**
   * The 8-bit weight's initializers [values, scale, zero point], for a kernel that takes them as
   * inputs (QAttention) or for its DequantizeLinear.
   */
  integerWeight(match: WeightMatch): [Value, Value, Value] {
    const weight = this.#weights.of(match);
    const graph = this.#graph;
    const name = match.weightValue.name;
    const dims = layoutDims(match);
    const scaleDims = weight.channelAxis === undefined ? [] : [dims[weight.channelAxis]!];
    const dtype = weight.elementType === 'int8' ? DataType.INT8 : DataType.UINT8;
    return [
      addTensor(graph, `${name}_quantized`, dtype, dims, weight.values),
      addTensor(graph, `${name}_scale`, DataType.FLOAT, scaleDims, weight.scales),
      addTensor(graph, `${name}_zero_point`, dtype, scaleDims, weight.zeroPoints),
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
    match: WeightMatch,
    before: Node,
  ): Value {
    const graph = this.#graph;
    const { values, scales } = quantizeBiasInt32(
      bias,
      activationScale,
      this.#weights.of(match).scales,
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
