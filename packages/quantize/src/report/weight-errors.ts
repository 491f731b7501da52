import { DataType, constantTensorOf, type Model, type Node, type Value } from '@vit-opt/graph';
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
 * float16) is restored to float and compared with the float weight as the quantizer saw it. One
 * entry per stored copy: an initializer a MatMul and a transB Gemm read is quantized once for
 * each, and each node is measured against the copy it reads.
 */
export function weightErrors(floatModel: Model, quantizedModel: Model): TensorError[] {
  const matches = [
    ...findWeightedNodes(floatModel, { ...ALL_WEIGHTED_NODES, opTypes: ['MatMul', 'Gemm', 'Conv'] })
      .found,
    ...findAttentionNodes(floatModel, { ...ALL_WEIGHTED_NODES, opTypes: ['Attention'] }).found,
  ];
  const nodesByName = new Map(quantizedModel.graph.nodes.map((node) => [node.name, node]));
  const copies = new Map<Value, { match: WeightedMatch; stored: StoredWeight; nodes: string[] }>();
  for (const match of matches) {
    const stored = storedWeight(nodesByName, match);
    if (stored === undefined) continue;
    const copy = copies.get(stored.values);
    if (copy !== undefined) copy.nodes.push(match.node.name);
    else copies.set(stored.values, { match, stored, nodes: [match.node.name] });
  }
  const errors: TensorError[] = [];
  for (const { match, stored, nodes } of copies.values()) {
    const restored = restore(stored, match);
    const original = stored.form === 'float16' ? match.weight.float32() : weightAsQuantized(match);
    if (restored === undefined || restored.length !== original.length) continue;
    const energy = new ErrorEnergy();
    energy.add(original, restored);
    errors.push({
      tensor: match.weightValue.name,
      kind: 'weight',
      sqnrDb: sqnrDb(energy.signal, energy.noise),
      producer: null,
      consumers: nodes,
      nodes,
    });
  }
  return errors;
}

/** A weight as the quantized model stores it for one node: the initializers its kernel reads. */
interface StoredWeight {
  readonly form: 'int8' | 'int4' | 'float16';
  /** The stored data: 8-bit values, MatMulNBits' packed blocks, or the float16 weight. */
  readonly values: Value;
  readonly scales: Value | undefined;
  readonly zeroPoints: Value | undefined;
  /** The axis of the 8-bit scales (DequantizeLinear's), when per channel. */
  readonly axis: number;
}

/**
 * The names the quantizers give the node that takes over a float node's product, in the order
 * they are looked for: MatMulInteger, ConvInteger, QAttention, QLinearMatMul, QLinearConv
 * (`_quant`), MatMulNBits (`_int4`), the QDQ Gemm or MatMul that replaces a linear layer
 * (`_gemm`, `_matmul`, and a QLinearMatMul made of the latter), or the node itself (a QDQ MatMul
 * or Conv, a float16 node, or a node left float).
 */
const REPLACEMENT_SUFFIXES = ['_quant', '_int4', '_gemm', '_matmul_quant', '_matmul', ''];

/** Where the kernels that read an 8-bit weight take it: [values, scale, zero point] inputs. */
const INTEGER_WEIGHT_INPUTS: Readonly<
  Record<string, readonly [number, number | undefined, number]>
> = {
  DequantizeLinear: [0, 1, 2],
  QLinearMatMul: [3, 4, 5],
  QLinearConv: [3, 4, 5],
  QAttention: [1, 4, 7],
  // The weight scale of a dynamic product is a factor of its rescaling Mul (see productScale).
  MatMulInteger: [1, undefined, 3],
  ConvInteger: [1, undefined, 3],
};

/**
 * How the quantized model stores the weight of `match`, found from the node that replaced it (see
 * REPLACEMENT_SUFFIXES): the 8-bit weight its kernel or DequantizeLinear reads, MatMulNBits' 4-bit
 * blocks, or a float16 weight. Undefined when the node still reads a float32 weight, or is gone.
 */
function storedWeight(
  nodesByName: ReadonlyMap<string, Node>,
  match: WeightedMatch,
): StoredWeight | undefined {
  for (const suffix of REPLACEMENT_SUFFIXES) {
    const node = nodesByName.get(`${match.node.name}${suffix}`);
    const stored = node === undefined ? undefined : weightReadBy(node, match);
    if (stored !== undefined) return stored;
  }
  return undefined;
}

function weightReadBy(node: Node, match: WeightedMatch): StoredWeight | undefined {
  if (node.opType === 'MatMulNBits') {
    const [values, scales, zeroPoints] = node.inputs.slice(1, 4);
    return values === undefined ? undefined : { form: 'int4', values, scales, zeroPoints, axis: 0 };
  }
  const kernel = integerKernel(node);
  if (kernel !== undefined) {
    const [at, scaleAt, zeroPointAt] = INTEGER_WEIGHT_INPUTS[kernel.opType]!;
    const values = kernel.inputs[at];
    if (values?.initializer === undefined) return undefined;
    const scales = scaleAt === undefined ? productScale(kernel) : kernel.inputs[scaleAt];
    // A MatMul's [K, N] weight gets one scale per column, a Conv's one per output channel.
    const axis =
      kernel.opType === 'DequantizeLinear'
        ? kernel.int('axis', 1)
        : 'kind' in match && match.kind === 'conv'
          ? 0
          : 1;
    return { form: 'int8', values, scales, zeroPoints: kernel.inputs[zeroPointAt], axis };
  }
  const weight = node.inputs[1];
  // float16 conversion keeps the weight as stored: a Gemm's transB and alpha stay attributes.
  if (weight === undefined || constantTensorOf(weight)?.dtype !== DataType.FLOAT16)
    return undefined;
  return { form: 'float16', values: weight, scales: undefined, zeroPoints: undefined, axis: 0 };
}

/** The node that reads the 8-bit weight: `node` itself, or the DequantizeLinear of its weight. */
function integerKernel(node: Node): Node | undefined {
  if (node.domain !== 'com.microsoft' && node.domain !== '') return undefined;
  if (node.opType !== 'DequantizeLinear' && Object.hasOwn(INTEGER_WEIGHT_INPUTS, node.opType))
    return node;
  const dequantizer = node.inputs[1]?.producer();
  return dequantizer?.opType === 'DequantizeLinear' ? dequantizer : undefined;
}

/**
 * The weight scale of a dynamic integer product, which the quantizer multiplies in after it:
 * Cast(product) × Mul(activation scale, weight scale), the weight's being the constant one.
 */
function productScale(kernel: Node): Value | undefined {
  const cast = soleReader(kernel.output(0));
  const rescale = cast?.opType === 'Cast' ? soleReader(cast.output(0)) : undefined;
  if (rescale?.opType !== 'Mul') return undefined;
  for (const factor of rescale.inputs) {
    const scales = factor?.producer();
    if (scales?.opType !== 'Mul') continue;
    const constant = scales.inputs.find((input) => input?.initializer !== undefined);
    if (constant !== undefined) return constant;
  }
  return undefined;
}

function soleReader(value: Value): Node | undefined {
  const uses = value.uses();
  return uses.length === 1 ? uses[0]!.node : undefined;
}

/** The stored weight as float32, in the layout its kernel reads it. */
function restore(stored: StoredWeight, match: WeightedMatch): Float32Array | undefined {
  const values = stored.values.initializer ?? constantTensorOf(stored.values);
  const scales = stored.scales?.initializer;
  const zeroPoints = stored.zeroPoints?.initializer;
  if (values === undefined) return undefined;
  if (stored.form === 'float16') return float16ToFloat32(values.typed(DataType.FLOAT16));
  if (scales === undefined) return undefined;
  if (stored.form === 'int4') {
    if (!('kind' in match) || match.kind !== 'matmul') return undefined;
    return dequantizeInt4Blocks({
      packed: values.typed(DataType.UINT8),
      scales: scales.float32(),
      zeroPoints: zeroPoints?.typed(DataType.UINT8),
      k: match.linear.inFeatures,
      n: match.linear.outFeatures,
      blockSize: 2 * values.dims[2]!,
    });
  }
  if (values.dtype !== DataType.INT8 && values.dtype !== DataType.UINT8) return undefined;
  const data = values.data() as Int8Array | Uint8Array;
  return dequantize(data, values.dims, scales.float32(), zeroPoints?.toNumbers(), stored.axis);
}

/**
 * The float weight as the integer quantizers read it: MatMul's B as [K, N] with Gemm's alpha,
 * others as stored.
 */
function weightAsQuantized(match: WeightedMatch): Float32Array {
  return 'kind' in match && match.kind === 'matmul'
    ? matMulWeightData(match)
    : match.weight.float32();
}
