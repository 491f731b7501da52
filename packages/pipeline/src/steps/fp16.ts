import { NODE_SELECTION_KEYS, quantizeStep, withoutUndefined } from './quantize-keys.js';
import type { VariantStep } from './variant-step.js';

/** float16 weights and compute (`vit-opt quantize --mode fp16`). */
export const fp16Step: VariantStep = {
  kind: 'fp16',
  summary: 'float16 weights and compute; exclude-nodes stay float32',
  options: {
    'exclude-nodes': NODE_SELECTION_KEYS['exclude-nodes']!,
    'fp16-io': { type: 'boolean' },
  },
  usesCalibration: () => false,
  build: (input) =>
    quantizeStep(input, {
      mode: 'fp16',
      modeOptions: withoutUndefined({
        nodeBlockList: input.options['exclude-nodes'] as string | string[] | undefined,
        keepIoTypes: input.options['fp16-io'] === true ? false : undefined,
      }),
    }),
};
