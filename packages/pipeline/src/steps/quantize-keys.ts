import {
  QUANTIZATION_TARGETS,
  quantizeModel,
  resolveQuantizationTarget,
  type QuantizationTarget,
  type QuantizeModelOptions,
} from '@vit-opt/quantize';
import { createTensorProbe } from '@vit-opt/eval';
import type { JsonSchema, StepInput, StepOptions, StepOutput } from './variant-step.js';

// The keys quantizing kinds share, named as `vit-opt quantize`'s flags are.

const patterns: JsonSchema = {
  description: 'a regular expression (matched against node names) or a list of them',
  anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
};

export const NODE_SELECTION_KEYS: Readonly<Record<string, JsonSchema>> = {
  'include-nodes': patterns,
  'exclude-nodes': patterns,
};

export const TARGET_KEYS: Readonly<Record<string, JsonSchema>> = {
  target: { enum: [...QUANTIZATION_TARGETS] },
  'per-channel': { type: 'boolean' },
  'reduce-range': { type: 'boolean' },
  'weight-type': { enum: ['u8', 's8'] },
};

export function opTypesKey(opTypes: readonly string[]): JsonSchema {
  return {
    description: `one of ${opTypes.join(', ')} or a list of them`,
    anyOf: [
      { enum: opTypes },
      { type: 'array', items: { enum: opTypes }, minItems: 1, uniqueItems: true },
    ],
  };
}

export function optional<T>(options: StepOptions, key: string): T | undefined {
  return options[key] as T | undefined;
}

export function elementType(value: unknown): 'int8' | 'uint8' | undefined {
  return value === undefined ? undefined : value === 's8' ? 'int8' : 'uint8';
}

export function nodeSelection(options: StepOptions): {
  includeNodes?: string | string[];
  excludeNodes?: string | string[];
} {
  return withoutUndefined({
    includeNodes: optional<string | string[]>(options, 'include-nodes'),
    excludeNodes: optional<string | string[]>(options, 'exclude-nodes'),
  });
}

/** The target's options (target, per-channel, reduce-range, weight-type) as the library's. */
export function targetOptions(options: StepOptions): {
  target?: QuantizationTarget;
  perChannel?: boolean;
  reduceRange?: boolean;
  weightType?: 'int8' | 'uint8';
} {
  return withoutUndefined({
    target: optional<QuantizationTarget>(options, 'target'),
    perChannel: optional<boolean>(options, 'per-channel'),
    reduceRange: optional<boolean>(options, 'reduce-range'),
    weightType: elementType(options['weight-type']),
  });
}

/**
 * What `target: auto` (the default) resolves to on this machine: a variant built here for another
 * instruction family differs, so the family is part of its content hash.
 */
export function targetFingerprint(options: StepOptions): unknown {
  const target = (options.target as QuantizationTarget | undefined) ?? 'auto';
  return { targetPreset: resolveQuantizationTarget(target).preset };
}

/** Quantizes the step's input model with quantizeModel, reporting calibration progress. */
export async function quantizeStep(
  input: StepInput,
  options: QuantizeModelOptions,
): Promise<StepOutput> {
  const quantized = await quantizeModel(input.model, {
    ...options,
    sourceSha256: input.modelSha256,
    probe: createTensorProbe(),
    inPlace: true,
    onProgress: (p) => input.onProgress(p.done, p.total, 'images'),
    ...(input.signal === undefined ? {} : { signal: input.signal }),
  });
  return { model: quantized.model };
}

export function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
