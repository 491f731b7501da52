import type { Graph, Value } from '@vit-opt/graph';
import { replaceSingleOutputNode } from '../graph/rewrite.js';
import type { QuantizedWeights } from '../graph/weight-layouts.js';
import type { ActivationParams } from './activation-params.js';
import { ConstantDequantizers } from './constant-dequantizers.js';
import { LinearRewriter } from './linear-rewrite.js';
import type { QdqLayout } from './qdq-layout.js';
import { QuantizedTensors } from './quantized-tensors.js';

/**
 * Writes a planned layout into the graph in QDQ form: the linear units in their form (Gemm with
 * an int32 bias, or MatMul), the Conv with dequantized weight and int32 bias, the activation
 * MatMuls' output scalings folded into their input scales, then one QuantizeLinear per quantized
 * tensor and a DequantizeLinear per integer consumer.
 */
export function emitQdqLayout(
  graph: Graph,
  layout: QdqLayout,
  params: ReadonlyMap<Value, ActivationParams>,
  weights: QuantizedWeights,
): void {
  const tensors = new QuantizedTensors(graph, params, layout.sharing);
  const constants = new ConstantDequantizers(graph, weights);
  const linears = new LinearRewriter(graph, tensors, constants);
  // Each rewrite reads its node's inputs as they are then: an earlier one may have replaced them.
  for (const unit of layout.linears) linears.rewrite(unit);
  for (const conv of layout.convolutions) {
    const node = conv.node;
    node.setInput(1, constants.weight(conv, node));
    if (conv.biasValue !== undefined && conv.bias !== undefined) {
      const scale = tensors.paramsOf(node.input(0)).scale;
      node.setInput(
        2,
        constants.int32Bias(
          `${conv.biasValue.name}_int32`,
          conv.bias.float32(),
          scale,
          conv,
          node,
        ),
      );
    }
    tensors.readAsIntegers(node, [0]);
  }
  for (const attention of layout.attentions) {
    const node = attention.node;
    const [values, scale, zeroPoint] = constants.integerWeight(attention);
    // QAttention(input, weight, bias, input_scale, weight_scale, mask, input_zero_point,
    // weight_zero_point): the input's three come from its QuantizeLinear, wired below.
    const quantized = graph.addNode(
      {
        opType: 'QAttention',
        domain: node.domain,
        name: `${node.name}_quant`,
        inputs: [
          node.input(0),
          values,
          attention.bias,
          undefined,
          scale,
          undefined,
          undefined,
          zeroPoint,
        ],
        outputs: [`${node.output(0).name}_quantized`],
        attributes: [...node.attributes.values()],
      },
      { before: node },
    );
    tensors.readQuantized(quantized, { input: 0, scale: 3, zeroPoint: 6 });
    const old = node.output(0);
    const output = replaceSingleOutputNode(node, () => quantized.output(0));
    // The output projection's quantization of the attention output follows it to QAttention's.
    tensors.handOver(old, output, output);
  }
  for (const node of layout.activationMatMuls) tensors.readAsIntegers(node, [0, 1]);
  for (const [matmul, folded] of layout.foldedScales) {
    // Its constant factor, now unused, goes in the pass's final cleanup().
    folded.node.output(0).replaceAllUsesWith(matmul.output(0));
    graph.removeNode(folded.node);
    tensors.scaleFirstInput(matmul, folded.factor);
  }
  tensors.insertQuantizeDequantize();
  graph.toposort();
}
