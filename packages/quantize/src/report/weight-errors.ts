import { DataType, type Model, type Node, type Tensor } from '@vit-opt/graph';
import { findWeightedNodes, matMulWeightData } from '../graph/weighted-nodes.js';
import { sqnrDb } from '../weights/rounding.js';
import { ErrorEnergy, dequantize } from './dequantize.js';
import type { TensorError } from './tensor-error.js';

/** The suffix quantizers give a weight's 8-bit copy: `<float weight name>_quantized`. */
const QUANTIZED_SUFFIX = '_quantized';

/**
 * The error of every quantized weight: each DequantizeLinear of a constant 8-bit tensor is
 * compared with the float weight it was made from, as the quantizer saw it ([K, N] for MatMul
 * and Gemm, alpha and transB applied; Conv as stored).
 */
export function weightErrors(floatModel: Model, quantizedModel: Model): TensorError[] {
  const floatWeights = new Map<string, { data: Float32Array; nodes: string[] }>();
  const search = findWeightedNodes(floatModel, { opTypes: ['MatMul', 'Gemm', 'Conv'], includeNodes: [], excludeNodes: [], minimumWeightElements: 0 });
  for (const match of search.found) {
    const name = match.weightValue.name;
    const entry = floatWeights.get(name);
    if (entry !== undefined) entry.nodes.push(match.node.name);
    else floatWeights.set(name, { data: match.kind === 'matmul' ? matMulWeightData(match) : match.weight.float32(), nodes: [match.node.name] });
  }
  const errors: TensorError[] = [];
  for (const node of quantizedModel.graph.nodes) {
    const weight = constantWeightDequantizer(node);
    if (weight === undefined) continue;
    const name = weight.values.name.slice(0, -QUANTIZED_SUFFIX.length);
    const original = floatWeights.get(name);
    if (original === undefined || original.data.length !== weight.values.elementCount) continue;
    const energy = new ErrorEnergy();
    energy.add(original.data, dequantize(weight.values.data() as Int8Array | Uint8Array, weight.values.dims, weight.scales, weight.zeroPoints, node.int('axis', 1)));
    errors.push({ tensor: name, kind: 'weight', sqnrDb: sqnrDb(energy.signal, energy.noise), producer: null, consumers: original.nodes });
  }
  return errors;
}

interface WeightDequantizer {
  readonly values: Tensor;
  readonly scales: Float32Array;
  readonly zeroPoints: number[] | undefined;
}

/** A DequantizeLinear of a constant 8-bit weight named <weight>_quantized, with its parameters. */
function constantWeightDequantizer(node: Node): WeightDequantizer | undefined {
  if (node.opType !== 'DequantizeLinear' || node.domain !== '') return undefined;
  const values = node.inputs[0]?.initializer;
  const scales = node.inputs[1]?.initializer;
  if (values === undefined || scales === undefined || !node.inputs[0]!.name.endsWith(QUANTIZED_SUFFIX)) return undefined;
  if (values.dtype !== DataType.INT8 && values.dtype !== DataType.UINT8) return undefined;
  const zeroPoints = node.inputs[2]?.initializer?.toNumbers();
  return { values, scales: scales.float32(), zeroPoints };
}
