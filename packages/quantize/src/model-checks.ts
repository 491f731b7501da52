import { VitOptError, type Model } from '@vit-opt/graph';
import { describeSelection } from './graph/weighted-nodes.js';
import type { NodeSelection } from './options/mode-options.js';

/** Ops that only a quantized model contains, in ai.onnx and com.microsoft. */
const QUANTIZED_OPS = new Set([
  'QuantizeLinear',
  'DequantizeLinear',
  'DynamicQuantizeLinear',
  'MatMulInteger',
  'ConvInteger',
  'MatMulIntegerToFloat',
  'DynamicQuantizeMatMul',
  'DynamicQuantizeLSTM',
  'MatMulInteger16',
  'MatMulNBits',
  'MatMulBnb4',
  'MatMulFpQ4',
  'QGemm',
  'QAttention',
  'QEmbedLayerNormalization',
  'GatherBlockQuantized',
  'QuantizeBFP',
  'DequantizeBFP',
  'QuantizeWithOrder',
  'DequantizeWithOrder',
]);

function isQuantizedOp(opType: string): boolean {
  return QUANTIZED_OPS.has(opType) || opType.startsWith('QLinear') || opType.startsWith('QOrdered');
}

/** Refuses a model that is already quantized: quantizing twice compounds the error silently. */
export function assertNotQuantized(model: Model, action: string): void {
  for (const node of model.graph.allNodes()) {
    if (!isQuantizedOp(node.opType)) continue;
    throw new VitOptError(
      'UNSUPPORTED',
      `cannot ${action}: the model is already quantized (it contains ${node.describe()}); start from the float model`,
      { subject: 'model' },
    );
  }
}

/** Refuses a model whose ai.onnx opset is older than what the emitted ops need. */
export function assertOpset(model: Model, minimum: number, why: string): void {
  const imported = model.opset('');
  if (imported !== undefined && imported >= minimum) return;
  throw new VitOptError(
    'UNSUPPORTED',
    `${why} needs opset ≥ ${minimum}, the model imports ${imported ?? 'no ai.onnx opset'}; re-export it with a newer opset`,
    { subject: 'model' },
  );
}

/** The error for a model where no node qualified: it says what was looked for. */
export function nothingToQuantizeError(selection: NodeSelection): VitOptError {
  return new VitOptError(
    'INVALID_ARGUMENT',
    `nothing to quantize: no node matched (looked for ${describeSelection(selection)})`,
    { subject: 'model' },
  );
}
