import { simplify } from '@vit-opt/graph';
import { createOnnxRuntimeEvaluator } from '@vit-opt/eval';
import type { VariantStep } from './variant-step.js';

/** `vit-opt simplify`: the clean-up every PyTorch export needs before quantization. */
export const simplifyStep: VariantStep = {
  kind: 'simplify',
  summary:
    'graph clean-up (constant folding, Identity/Dropout removal, dead code, shared initializers)',
  options: {
    fold: {
      type: 'boolean',
      description: 'fold constant subgraphs with onnxruntime (default true)',
    },
  },
  usesCalibration: () => false,
  async build({ model, options }) {
    const fold = options.fold !== false;
    const report = await simplify(model, fold ? { evaluator: createOnnxRuntimeEvaluator() } : {});
    return {
      model,
      notes: [`nodes ${report.nodesBefore} → ${report.nodesAfter}`],
    };
  },
};
