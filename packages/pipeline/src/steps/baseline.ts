import type { VariantStep } from './variant-step.js';

/** The input model as it is, byte for byte: what every other variant is compared with. */
export const baselineStep: VariantStep = {
  kind: 'baseline',
  summary: 'the model as it is, the reference the others are compared with',
  options: {},
  usesCalibration: () => false,
  build: () => Promise.resolve({ unchanged: true }),
};
