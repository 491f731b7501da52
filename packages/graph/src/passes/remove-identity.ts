import type { Model } from '../ir/model.js';
import type { Node } from '../ir/node.js';
import { constantOf } from './constants.js';
import { changed, definePass } from './pass.js';

/**
 * Removes Identity nodes and inference-mode Dropout: PyTorch exports leave them behind, and they
 * hide the patterns later passes look for (MatMul → Add, Reshape → Transpose).
 */
export const removeIdentityNodes = definePass('remove-identity', (model: Model) => {
  let count = 0;
  for (const graph of [...model.graph.allGraphs()]) {
    for (const node of [...graph.nodes]) {
      if (node.domain !== '' || !(node.opType === 'Identity' || isInferenceDropout(model, node))) continue;
      if (bypass(node)) count += 1;
    }
  }
  return changed(count, (n) => `removed ${n} Identity/Dropout nodes`);
});

function isInferenceDropout(model: Model, node: Node): boolean {
  if (node.opType !== 'Dropout') return false;
  const mask = node.outputs[1];
  if (mask !== undefined && (mask.uses().length > 0 || mask.isGraphOutput)) return false;
  const opset = model.opset('') ?? 1;
  if (opset < 7) return node.int('is_test', 0) === 1;
  if (opset < 12) return true;
  const trainingMode = node.inputs[2];
  if (trainingMode === undefined) return true;
  const flag = constantOf(trainingMode);
  return flag !== undefined && flag.elementCount === 1 && flag.toNumbers()[0] === 0;
}

/** Connects the node's input straight to its output's uses; false when that cannot be done. */
function bypass(node: Node): boolean {
  const graph = node.graph;
  const input = node.inputs[0];
  const output = node.outputs[0];
  if (input === undefined || output === undefined) return false;
  if (!output.isGraphOutput) {
    output.replaceAllUsesWith(input);
    graph.removeNode(node);
    return true;
  }
  // The output name is part of the model's interface: keep it, and have the input's producer
  // produce it directly instead.
  const producer = input.producer();
  if (producer === undefined || input.graph !== graph || input.isGraphOutput || input.isGraphInput) {
    return false;
  }
  const slot = producer.outputs.indexOf(input);
  graph.removeNode(node, { keepOutputs: true });
  input.replaceAllUsesWith(output);
  producer._setOutput(slot, output);
  output.type ??= input.type;
  graph.pruneDeadValues();
  return true;
}
