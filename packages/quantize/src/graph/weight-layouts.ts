import { Float32Reader } from '../weights/float32-data.js';
import {
  quantizeInt8Weight,
  type Int8WeightScheme,
  type QuantizedInt8Weight,
} from '../weights/int8-weights.js';
import {
  matMulWeightData,
  type WeightedAttention,
  type WeightedConv,
  type WeightedMatMul,
} from './weighted-nodes.js';

/** A node whose weight an integer mode quantizes. */
export type WeightMatch = WeightedMatMul | WeightedConv | WeightedAttention;

/**
 * A weight as one node reads it: the node's weight input, how the node lays it out, and the axis
 * that gets one scale per index. A Gemm with transB or alpha reads the same initializer as another
 * matrix than a MatMul does, and a Conv or Attention by other axes: one quantization of the
 * initializer served to both gave the second node the first's layout (cosine 0.03 to float).
 */
export function weightLayoutKey(match: WeightMatch, channelAxis: number | undefined): string {
  const layout = !('kind' in match)
    ? 'attention'
    : match.kind === 'conv'
      ? 'conv'
      : `matmul:${match.linear.transposed ? 'T' : 'N'}:${match.linear.alpha}`;
  return `${match.weightValue.name}\u0000${layout}\u0000${channelAxis ?? 'tensor'}`;
}

/** The dims of the weight as quantized: a MatMul's or Gemm's B as [K, N], others as stored. */
export function layoutDims(match: WeightMatch): readonly number[] {
  return 'kind' in match && match.kind === 'matmul' ? [match.k, match.n] : match.weight.dims;
}

/**
 * The 8-bit weights of a set of nodes, each weight quantized once per layout it is read in (see
 * weightLayoutKey), all before the graph is touched: a weight that cannot be quantized (NaN) fails
 * the call with the model unchanged.
 */
export class QuantizedWeights {
  readonly #weights = new Map<string, QuantizedInt8Weight>();
  readonly #schemeOf: (match: WeightMatch) => Int8WeightScheme;

  constructor(matches: readonly WeightMatch[], schemeOf: (match: WeightMatch) => Int8WeightScheme) {
    this.#schemeOf = schemeOf;
    // One reader for the run: its scratch memory serves every weight in turn.
    const reader = new Float32Reader();
    for (const match of matches) {
      const key = this.keyOf(match);
      if (this.#weights.has(key)) continue;
      const data =
        'kind' in match && match.kind === 'matmul'
          ? matMulWeightData(match, reader)
          : reader.read(match.weight);
      this.#weights.set(key, quantizeInt8Weight(data, layoutDims(match), schemeOf(match)));
    }
  }

  /** The key of the weight `match` reads, for caches of what is written from it. */
  keyOf(match: WeightMatch): string {
    return weightLayoutKey(match, this.#schemeOf(match).channelAxis);
  }

  /** The quantized weight `match` reads; `match` is one of those the weights were made for. */
  of(match: WeightMatch): QuantizedInt8Weight {
    return this.#weights.get(this.keyOf(match))!;
  }
}
