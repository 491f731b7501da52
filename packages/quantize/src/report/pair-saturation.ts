import {
  DataType,
  type FeedBatch,
  type Model,
  type Node,
  type TensorProbe,
  type Value,
} from '@vit-opt/graph';
import { TensorSession, requireProbe } from '../calibration/tensor-session.js';
import { inferElementTypes } from '../graph/element-types.js';

/**
 * How often one quantized product would saturate on a CPU without VNNI. There (AVX2, AVX-512
 * without VNNI) onnxruntime's u8×s8 kernels multiply with VPMADDUBSW, which adds each pair of
 * adjacent products along K into an int16 and clips it: 200 × 127 + 200 × 127 = 50,800 becomes
 * 32,767. VNNI, AMX and Arm accumulate in int32, so the same model is exact there.
 */
export interface PairSaturation {
  /** The float model's node the product computes: what to pass to excludeNodes. */
  readonly node: string;
  /** The 8-bit activation the product reads. */
  readonly activation: string;
  readonly weight: string;
  /** Pair sums examined (a sample of rows on big tensors). */
  readonly pairs: number;
  /** Of those, sums outside int16. */
  readonly saturated: number;
  /** saturated / pairs. */
  readonly share: number;
  /** The largest |pair sum| seen: above 32,767 means saturation. */
  readonly maxAbsPairSum: number;
}

/** A u8 activation × s8 constant-weight product of a quantized model. */
interface U8S8Product {
  readonly node: string;
  /** The uint8 tensor whose last axis is K. */
  readonly activation: Value;
  readonly weightName: string;
  /** The weight as [N][K] int16, so a column's K values are contiguous. */
  readonly columns: Int16Array;
  readonly k: number;
  readonly n: number;
}

/** The suffixes our rewrites add to the name of the node they replace (dynamic, QOperator; QGemm). */
const REWRITE_SUFFIX = /_(?:quant|gemm)$/;

const INT16_MAX = 32767;
const INT16_MIN = -32768;

export interface PairSaturationOptions {
  /** Pair sums computed per product per batch; rows are sampled evenly beyond it (default 2²¹). */
  readonly pairBudget?: number;
  /** What runs the model (e.g. @vit-opt/eval's createTensorProbe()). */
  readonly probe: TensorProbe;
}

/**
 * The share of u8×s8 pair sums beyond int16 for every u8 × s8-constant product of
 * `quantizedModel` (dynamic MatMulInteger and QAttention, static QDQ MatMul/Gemm, QLinearMatMul),
 * on the activations the model computes for `samples`. Products with u8 or 7-bit weights cannot
 * saturate and show 0.
 */
export async function measurePairSaturation(
  quantizedModel: Model,
  samples: readonly FeedBatch[],
  options: PairSaturationOptions,
): Promise<PairSaturation[]> {
  const products = findU8S8Products(quantizedModel);
  if (products.length === 0) return [];
  const names = [...new Set(products.map((p) => p.activation.name))];
  const session = await TensorSession.create(
    quantizedModel,
    names,
    requireProbe(options.probe, 'measuring pair saturation'),
  );
  const budget = options.pairBudget ?? 2 ** 21;
  const counts = products.map(() => ({ pairs: 0, saturated: 0, maxAbs: 0 }));
  try {
    for (const feeds of samples) {
      const tensors = await session.run(feeds);
      products.forEach((product, i) => {
        const values = tensors.get(product.activation.name);
        if (values instanceof Uint8Array) countPairs(values, product, budget, counts[i]!);
      });
    }
  } finally {
    await session.dispose();
  }
  return products
    .map((product, i): PairSaturation => {
      const { pairs, saturated, maxAbs } = counts[i]!;
      return {
        node: product.node,
        activation: product.activation.name,
        weight: product.weightName,
        pairs,
        saturated,
        share: pairs === 0 ? 0 : saturated / pairs,
        maxAbsPairSum: maxAbs,
      };
    })
    .sort((a, b) => b.share - a.share || b.maxAbsPairSum - a.maxAbsPairSum);
}

function countPairs(
  activation: Uint8Array,
  product: U8S8Product,
  budget: number,
  count: { pairs: number; saturated: number; maxAbs: number },
): void {
  const { k, n, columns } = product;
  if (activation.length % k !== 0) return;
  const rows = activation.length / k;
  const pairsPerRow = n * Math.ceil(k / 2);
  const rowStep = Math.max(1, Math.ceil((rows * pairsPerRow) / budget));
  let { saturated, maxAbs } = count;
  let pairs = 0;
  for (let row = 0; row < rows; row += rowStep) {
    const a = row * k;
    for (let column = 0, w = 0; column < n; column++, w += k) {
      for (let i = 0; i < k; i += 2) {
        // An odd K's last product pairs with the zero padding of the packed weights.
        const sum = activation[a + i]! * columns[w + i]! + (i + 1 < k ? activation[a + i + 1]! * columns[w + i + 1]! : 0);
        if (sum > INT16_MAX || sum < INT16_MIN) saturated++;
        const magnitude = sum < 0 ? -sum : sum;
        if (magnitude > maxAbs) maxAbs = magnitude;
      }
    }
    pairs += pairsPerRow;
  }
  count.pairs += pairs;
  count.saturated = saturated;
  count.maxAbs = maxAbs;
}

/** Every product of a uint8 activation with a constant int8 weight, as the kernels see them. */
export function findU8S8Products(model: Model): U8S8Product[] {
  const products: U8S8Product[] = [];
  const elementTypes = inferElementTypes(model.graph);
  for (const node of model.graph.nodes) {
    const operands = productOperands(node);
    if (operands === undefined) continue;
    const { activation, weight, transposed } = operands;
    const tensor = weight.initializer;
    if (tensor === undefined || tensor.dtype !== DataType.INT8 || tensor.dims.length !== 2) continue;
    if (elementTypes.get(activation) !== DataType.UINT8) continue;
    const [rows, cols] = tensor.dims as [number, number];
    const [k, n] = transposed ? [cols, rows] : [rows, cols];
    products.push({
      node: node.name.replace(REWRITE_SUFFIX, ''),
      activation,
      weightName: weight.name,
      columns: weightColumns(tensor.typed(DataType.INT8), k, n, transposed),
      k,
      n,
    });
  }
  return products;
}

interface ProductOperands {
  readonly activation: Value;
  /** The int8 constant. */
  readonly weight: Value;
  /** The weight is stored [N, K] (Gemm with transB). */
  readonly transposed: boolean;
}

function productOperands(node: Node): ProductOperands | undefined {
  const input = (i: number): Value | undefined => node.inputs[i];
  if (node.domain === '' && node.opType === 'MatMulInteger') return operands(input(0), input(1), false);
  if (node.domain === 'com.microsoft' && node.opType === 'QAttention') return operands(input(0), input(1), false);
  if (node.domain === '' && node.opType === 'QLinearMatMul') return operands(input(0), input(3), false);
  if (node.domain === '' && (node.opType === 'MatMul' || node.opType === 'Gemm')) {
    // QDQ: both inputs dequantized; onnxruntime runs the integer kernel on the 8-bit inputs.
    const a = dequantized(input(0));
    const b = dequantized(input(1));
    if (a === undefined || b === undefined) return undefined;
    const transposed = node.opType === 'Gemm' && node.int('transB', 0) === 1;
    if (node.opType === 'Gemm' && node.int('transA', 0) === 1) return undefined;
    return operands(a, b, transposed);
  }
  return undefined;
}

function operands(activation: Value | undefined, weight: Value | undefined, transposed: boolean): ProductOperands | undefined {
  return activation === undefined || weight === undefined ? undefined : { activation, weight, transposed };
}

/** The 8-bit input of the DequantizeLinear that computes `value`. */
function dequantized(value: Value | undefined): Value | undefined {
  const producer = value?.producer();
  return producer?.opType === 'DequantizeLinear' && producer.domain === '' ? producer.inputs[0] : undefined;
}

function weightColumns(values: Int8Array, k: number, n: number, transposed: boolean): Int16Array {
  const columns = new Int16Array(k * n);
  if (transposed) columns.set(values);
  else for (let row = 0; row < k; row++) for (let column = 0; column < n; column++) columns[column * k + row] = values[row * n + column]!;
  return columns;
}
