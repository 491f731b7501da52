import {
  NODE_SELECTION_KEYS,
  TARGET_KEYS,
  nodeSelection,
  opTypesKey,
  quantizeStep,
  targetFingerprint,
  targetOptions,
  withoutUndefined,
} from './quantize-keys.js';
import type { VariantStep } from './variant-step.js';

/** Dynamic int8 (`vit-opt quantize --mode dynamic`), fused into QAttention first if asked. */
export const dynamicStep: VariantStep = {
  kind: 'dynamic',
  summary: 'int8 weights, activations quantized at run time; fuse-transformer: true for QAttention',
  options: {
    ...TARGET_KEYS,
    asymmetric: { type: 'boolean' },
    'op-types': opTypesKey(['MatMul', 'Gemm', 'Conv']),
    ...NODE_SELECTION_KEYS,
    'fuse-transformer': { type: 'boolean' },
  },
  usesCalibration: () => false,
  fingerprint: targetFingerprint,
  build: (input) => {
    const o = input.options;
    return quantizeStep(input, {
      mode: 'dynamic',
      fuseTransformer: o['fuse-transformer'] === true,
      modeOptions: withoutUndefined({
        ...targetOptions(o),
        ...nodeSelection(o),
        opTypes: o['op-types'] as 'MatMul' | undefined,
        weightSymmetric: o.asymmetric === true ? false : undefined,
      }),
    });
  },
};
