import { DataType, constantTensorOf, type Model, type Tensor } from '@vit-opt/graph';
import {
  findAttentionNodes,
  findWeightedNodes,
  matMulWeightData,
  type WeightedAttention,
  type WeightedNode,
} from '../graph/weighted-nodes.js';
import { float16ToFloat32 } from '../weights/float16.js';
import { sqnrDb } from '../weights/rounding.js';
import { ErrorEnergy, dequantize, dequantizeInt4Blocks } from './dequantize.js';
import type { TensorError } from './tensor-error.js';

type WeightedMatch = WeightedNode | WeightedAttention;

/** Every node that can hold a quantized weight, whatever the mode. */
const ALL_WEIGHTED_NODES = { includeNodes: [], excludeNodes: [], minimumWeightElements: 0 };

/**
 * The error of every quantized weight: each weight of the float model's MatMul, Gemm, Conv and
 * fused Attention nodes that the quantized model stores another way (8-bit, 4-bit blocks or
 * float16) is restored to float and compared with the float weight as the quantizer saw it.
 */
export function weightErrors(floatModel: Model, quantizedModel: Model): TensorError[] {
  const weights = new Map<string, { match: WeightedMatch; nodes: string[] }>();
  const matches = [
    ...findWeightedNodes(floatModel, { ...ALL_WEIGHTED_NODES, opTypes: ['MatMul', 'Gemm', 'Conv'] }).found,
    ...findAttentionNodes(floatModel, { ...ALL_WEIGHTED_NODES, opTypes: ['Attention'] }).found,
  ];
  for (const match of matches) {
    const entry = weights.get(match.weightValue.name);
    if (entry !== undefined) entry.nodes.push(match.node.name);
    else weights.set(match.weightValue.name, { match, nodes: [match.node.name] });
  }
  const errors: TensorError[] = [];
  for (const [name, { match, nodes }] of weights) {
    const stored = storedWeight(quantizedModel, match);
    if (stored === undefined || stored.restored.length !== stored.original.length) continue;
    const energy = new ErrorEnergy();
    energy.add(stored.original, stored.restored);
    errors.push({ tensor: name, kind: 'weight', sqnrDb: sqnrDb(energy.signal, energy.noise), producer: null, consumers: nodes, nodes });
  }
  return errors;
}

/** A quantized weight restored to float32, and the float weight in the same layout. */
interface StoredWeight {
  readonly restored: Float32Array;
  readonly original: Float32Array;
}

/**
 * How `quantizedModel` stores the weight of `match`, from the names the quantizers give it:
 * `<weight>_quantized` with `_scale` and `_zero_point` (8-bit, static or dynamic), `<weight>_int4`
 * with `_scales` and `_zero_points` (MatMulNBits), or the weight itself as float16. Undefined when
 * it is still float32 or gone.
 */
function storedWeight(quantizedModel: Model, match: WeightedMatch): StoredWeight | undefined {
  const name = match.weightValue.name;
  const initializer = (suffix: string): Tensor | undefined => quantizedModel.graph.value(`${name}${suffix}`)?.initializer;
  const int8 = initializer('_quantized');
  const int8Scales = initializer('_scale');
  if (int8 !== undefined && int8Scales !== undefined && (int8.dtype === DataType.INT8 || int8.dtype === DataType.UINT8)) {
    // A MatMul's [K, N] weight gets one scale per column, a Conv's one per output channel.
    const axis = 'kind' in match && match.kind === 'conv' ? 0 : 1;
    const zeroPoints = initializer('_zero_point')?.toNumbers();
    const values = int8.data() as Int8Array | Uint8Array;
    return { restored: dequantize(values, int8.dims, int8Scales.float32(), zeroPoints, axis), original: weightAsQuantized(match) };
  }
  const int4 = initializer('_int4');
  const int4Scales = initializer('_scales');
  if (int4 !== undefined && int4Scales !== undefined && 'kind' in match && match.kind === 'matmul') {
    const restored = dequantizeInt4Blocks({
      packed: int4.typed(DataType.UINT8),
      scales: int4Scales.float32(),
      zeroPoints: initializer('_zero_points')?.typed(DataType.UINT8),
      k: match.k,
      n: match.n,
      blockSize: 2 * int4.dims[2]!,
    });
    return { restored, original: matMulWeightData(match) };
  }
  const value = quantizedModel.graph.value(name);
  const half = value === undefined ? undefined : constantTensorOf(value);
  if (half?.dtype === DataType.FLOAT16) {
    // float16 conversion keeps the weight as stored: a Gemm's transB and alpha stay attributes.
    return { restored: float16ToFloat32(half.typed(DataType.FLOAT16)), original: match.weight.float32() };
  }
  return undefined;
}

/** The float weight as the integer quantizers read it: MatMul's B as [K, N] with Gemm's alpha, others as stored. */
function weightAsQuantized(match: WeightedMatch): Float32Array {
  return 'kind' in match && match.kind === 'matmul' ? matMulWeightData(match) : match.weight.float32();
}
