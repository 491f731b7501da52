import { RESAMPLE_FILTERS } from '@vit-opt/eval/data';
import type { JsonSchema, VariantStep } from '../steps/variant-step.js';

const positiveInteger: JsonSchema = { type: 'integer', minimum: 1 };
const integerOrList: JsonSchema = {
  description: 'a positive integer or a list of them',
  anyOf: [positiveInteger, { type: 'array', items: positiveInteger, minItems: 1 }],
};
const rgb = (minimum: 'any' | 'positive'): JsonSchema => ({
  type: 'array',
  items: minimum === 'any' ? { type: 'number' } : { type: 'number', exclusiveMinimum: 0 },
  minItems: 3,
  maxItems: 3,
});

/** A variant folder's name: letters, digits, '.', '_' and '-', not starting with '.'. */
export const VARIANT_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]*$';

/**
 * The pipeline file's shape, apart from each variant's own keys (checked against its kind's
 * schema once the kind is known, so that errors name the kind's keys).
 */
export function pipelineFileSchema(steps: readonly VariantStep[]): JsonSchema {
  return {
    type: 'object',
    required: ['model', 'data', 'variants'],
    additionalProperties: false,
    properties: {
      model: { type: 'string', minLength: 1 },
      preprocess: {
        type: 'object',
        additionalProperties: false,
        properties: {
          resize: {
            description: 'HxW (e.g. 224x224), N for the shortest edge, or none',
            type: ['string', 'integer'],
            pattern: '^([1-9][0-9]*x[1-9][0-9]*|none)$',
            minimum: 1,
          },
          resample: { enum: [...RESAMPLE_FILTERS] },
          crop: {
            description: 'HxW (e.g. 224x224) or none',
            type: 'string',
            pattern: '^([1-9][0-9]*x[1-9][0-9]*|none)$',
          },
          rescale: {
            description: 'a positive number, a fraction such as 1/255, or none',
            type: ['number', 'string'],
            pattern: '^([0-9]*\\.?[0-9]+(/[0-9]*\\.?[0-9]+)?|none)$',
            exclusiveMinimum: 0,
          },
          mean: rgb('any'),
          std: rgb('positive'),
          normalize: { type: 'boolean' },
        },
      },
      data: {
        type: 'object',
        required: ['validation'],
        additionalProperties: false,
        properties: {
          validation: { type: 'string', minLength: 1 },
          calibration: { type: 'string', minLength: 1 },
        },
      },
      eval: {
        type: 'object',
        additionalProperties: false,
        properties: { limit: positiveInteger, batch: positiveInteger, threads: positiveInteger },
      },
      bench: {
        type: 'object',
        additionalProperties: false,
        properties: {
          runs: positiveInteger,
          warmup: { type: 'integer', minimum: 0 },
          batch: integerOrList,
          threads: integerOrList,
        },
      },
      report: {
        type: 'object',
        additionalProperties: false,
        properties: { title: { type: 'string' } },
      },
      variants: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          required: ['name', 'kind'],
          properties: {
            name: {
              description: 'a folder name: letters, digits, ".", "_" and "-"',
              type: 'string',
              pattern: VARIANT_NAME_PATTERN,
            },
            kind: { enum: steps.map((step) => step.kind) },
            from: { type: 'string' },
          },
        },
      },
    },
  };
}

/** One variant of `step`'s kind: the common keys and the kind's own, nothing else. */
export function variantSchema(step: VariantStep): JsonSchema {
  return {
    type: 'object',
    additionalProperties: false,
    properties: {
      name: { type: 'string' },
      kind: { type: 'string' },
      from: { type: 'string' },
      ...step.options,
    },
  };
}
