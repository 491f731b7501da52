import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import type { ResultsDocument } from './results-document.js';

/**
 * The published schema file is the one source of truth: it is read from the package (the same
 * relative place from src/ and dist/), not copied into code that could drift from it.
 */
export const RESULTS_SCHEMA_PATH: string = fileURLToPath(
  new URL('../../schema/results.schema.json', import.meta.url),
);

let compiled: ValidateFunction<ResultsDocument> | undefined;

function validator(): ValidateFunction<ResultsDocument> {
  if (compiled === undefined) {
    const schema = JSON.parse(readFileSync(RESULTS_SCHEMA_PATH, 'utf8')) as object;
    compiled = new Ajv2020({ strict: true, allowUnionTypes: true }).compile<ResultsDocument>(
      schema,
    );
  }
  return compiled;
}

/**
 * The first way `value` breaks the results schema, as one line ("at /metrics/top1: must be <= 1"),
 * or undefined when it is a valid results document.
 */
export function findSchemaViolation(value: unknown): string | undefined {
  const validate = validator();
  if (validate(value)) return undefined;
  const error = validate.errors?.[0];
  return error === undefined ? 'does not match the results schema' : describeViolation(error);
}

function describeViolation(error: ErrorObject): string {
  const at = `at ${error.instancePath === '' ? 'the top level' : error.instancePath}`;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return `${at}: unknown property "${String(params.additionalProperty)}"`;
    case 'enum':
      return `${at}: must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `${at}: must be ${JSON.stringify(params.allowedValue)}`;
    default:
      return `${at}: ${error.message ?? 'does not match the results schema'}`;
  }
}
