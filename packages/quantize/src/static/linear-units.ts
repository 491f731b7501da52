import { constantTensorOf, DataType, type Node, type Tensor, type Value } from '@vit-opt/graph';
import { gemmAddend, type WeightedMatMul } from '../graph/weighted-nodes.js';

/**
 * How a linear is written. 'gemm': Gemm(A, DQ(W), DQ(bias int32)), which onnxruntime fuses into
 * QGemm, bias included. 'matmul': MatMul(A, DQ(W)) (QLinearMatMul or MatMulIntegerToFloat) with
 * the bias a float Add after it.
 */
export type LinearForm = 'gemm' | 'matmul';

/** A MatMul or Gemm with a constant weight, and its bias. */
export interface LinearUnit {
  readonly match: WeightedMatMul;
  readonly form: LinearForm;
  /** The Add of a constant [N] bias to a MatMul's product (QDQ format only). */
  readonly biasAdd: Node | undefined;
  /** The float bias [N] a 'gemm' unit adds in its kernel (Gemm's C × beta, or biasAdd's constant). */
  readonly bias: Float32Array | undefined;
  /** The value the unit computes: the bias Add's output when there is one, else the node's. */
  readonly output: Value;
}

/**
 * The unit of a weighted MatMul or Gemm, as a 'gemm' until linearForm says otherwise. QOperator
 * format keeps a MatMul's bias Add out of the unit: the MatMul's own output is what
 * QLinearMatMul writes.
 */
export function linearUnit(match: WeightedMatMul, qdq: boolean): LinearUnit {
  const output = match.node.output(0);
  if (match.node.opType === 'Gemm') {
    const c = constantTensorOf(gemmAddend(match.linear));
    const vector = c !== undefined && c.dtype === DataType.FLOAT && isVectorOf(c, match.n);
    const bias = vector ? c.float32().map((v) => v * match.linear.beta) : undefined;
    return { match, form: 'gemm', biasAdd: undefined, bias, output };
  }
  const biasAdd = qdq ? foldableBiasAdd(match) : undefined;
  if (biasAdd === undefined) return { match, form: 'gemm', biasAdd: undefined, bias: undefined, output };
  return { match, form: 'gemm', biasAdd: biasAdd.node, bias: biasAdd.bias, output: biasAdd.node.output(0) };
}

/**
 * 'gemm' unless the unit's output is quantized to int8 from a uint8 input: QGemm writes its
 * input's type, and onnxruntime would move an int8 QuantizeLinear back through the Reshape to
 * it, so that unit is a MatMul whose float bias Add feeds the QuantizeLinear.
 */
export function linearForm(unit: LinearUnit, signedTensors: ReadonlySet<Value>): LinearForm {
  return canBeMatMul(unit) && signedTensors.has(unit.output) ? 'matmul' : 'gemm';
}

/**
 * A MatMul on a 3-D input with a bias Add. On a 2-D input, onnxruntime's first pass merges
 * MatMul + Add into a float Gemm before its QDQ fusion sees them, and a MatMul without a bias
 * would feed the QuantizeLinear directly.
 */
export function canBeMatMul(unit: LinearUnit): boolean {
  return flattensToGemm(unit) && unit.biasAdd !== undefined;
}

/** A MatMul whose input is not known to be 2-D is flattened to one for its Gemm, and reshaped back after. */
export function flattensToGemm(unit: LinearUnit): boolean {
  return unit.match.node.opType === 'MatMul' && unit.match.activation.tensorType?.shape?.length !== 2;
}

/**
 * The MatMul's bias Add when the unit can take it in: the unit replaces the product, so nothing
 * else may read it (not even a Shape), and an int32 bias is made from float32 data.
 */
function foldableBiasAdd(match: WeightedMatMul): { node: Node; bias: Float32Array } | undefined {
  const { biasAdd, bias } = match.linear;
  if (biasAdd === undefined || match.node.output(0).uses().length !== 1) return undefined;
  const data = constantTensorOf(bias);
  if (data?.dtype !== DataType.FLOAT) return undefined;
  return { node: biasAdd, bias: data.float32() };
}

/** A [n] tensor, or one whose leading dimensions are all 1. */
function isVectorOf(tensor: Tensor, n: number): boolean {
  const dims = tensor.dims;
  return dims.length >= 1 && dims[dims.length - 1] === n && dims.slice(0, -1).every((d) => d === 1);
}
