import { InvalidArgumentError, Option } from 'commander';
import { VitOptError, isVitOptError } from '@vit-opt/graph';

/** commander parsers: a bad value becomes a usage error (exit 2) naming the option. */
export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number ≥ 1');
  return n;
}

export function nonNegativeInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number ≥ 0');
  return n;
}

export function integerList(value: string): number[] {
  return value.split(',').map((part) => positiveInteger(part.trim()));
}

export function shardPosition(value: string): { index: number; count: number } {
  const match = /^(\d+)\/(\d+)$/.exec(value);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (match === null || count < 1 || index >= count) {
    throw new InvalidArgumentError('must be i/n with 0 ≤ i < n, e.g. 0/4');
  }
  return { index, count };
}

export function finiteNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n))
    throw new InvalidArgumentError('must be a number');
  return n;
}

/** A repeatable regular-expression option: each occurrence adds one pattern. */
export function regularExpressions(value: string, previous: RegExp[] | undefined): RegExp[] {
  try {
    return [...(previous ?? []), new RegExp(value)];
  } catch (error) {
    throw new InvalidArgumentError(
      `is not a valid regular expression (${(error as Error).message})`,
    );
  }
}

/** --provider, as eval and bench take it. */
export function providerOption(): Option {
  return new Option(
    '--provider <name>',
    'onnxruntime execution provider (cuda and tensorrt need their libraries installed)',
  ).default('cpu');
}

/** The library names its option executionProvider; the user typed --provider. */
export function blameProviderFlag(error: unknown): unknown {
  if (!isVitOptError(error) || error.subject !== 'executionProvider') return error;
  return new VitOptError(error.code, error.message, { subject: '--provider', cause: error });
}
