import { baselineStep } from './baseline.js';
import { dynamicStep } from './dynamic.js';
import { fp16Step } from './fp16.js';
import { int4Step } from './int4.js';
import { pruneStep } from './prune.js';
import { resizeStep } from './resize.js';
import { simplifyStep } from './simplify.js';
import { staticStep } from './static.js';
import type { VariantStep } from './variant-step.js';

/** Every kind of variant a pipeline file can name; a new kind is one file and one line here. */
export const VARIANT_STEPS: readonly VariantStep[] = [
  baselineStep,
  simplifyStep,
  dynamicStep,
  staticStep,
  fp16Step,
  int4Step,
  pruneStep,
  resizeStep,
];

export function findStep(kind: string): VariantStep | undefined {
  return VARIANT_STEPS.find((step) => step.kind === kind);
}
