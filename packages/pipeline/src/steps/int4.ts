import type { Int4BlockSize } from '@vit-opt/quantize';
import {
  NODE_SELECTION_KEYS,
  nodeSelection,
  opTypesKey,
  quantizeStep,
  withoutUndefined,
} from './quantize-keys.js';
import type { VariantStep } from './variant-step.js';

/** Weight-only int4 in blocks along K (`vit-opt quantize --mode int4`, MatMulNBits). */
export const int4Step: VariantStep = {
  kind: 'int4',
  summary: '4-bit block weights (MatMulNBits), activations float',
  options: {
    'block-size': { enum: [32, 64, 128] },
    asymmetric: { type: 'boolean' },
    'op-types': opTypesKey(['MatMul', 'Gemm']),
    ...NODE_SELECTION_KEYS,
  },
  usesCalibration: () => false,
  build: (input) => {
    const o = input.options;
    return quantizeStep(input, {
      mode: 'int4',
      modeOptions: withoutUndefined({
        ...nodeSelection(o),
        opTypes: o['op-types'] as 'MatMul' | undefined,
        blockSize: o['block-size'] as Int4BlockSize | undefined,
        symmetric: o.asymmetric === true ? false : undefined,
      }),
    });
  },
};
