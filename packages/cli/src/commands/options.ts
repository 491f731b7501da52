import { InvalidArgumentError, Option, type Command } from 'commander';
import { VitOptError, isVitOptError } from '@vit-opt/graph';

/**
 * A whole number written in decimal digits and nothing else: Number() would also take ' 16',
 * '0x10', '1e3', '0b1' and '' (as 0), which are typos, not counts.
 */
function decimalInteger(value: string): number | undefined {
  if (!/^[0-9]{1,16}$/.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** commander parsers: a bad value becomes a usage error (exit 2) naming the option. */
export function positiveInteger(value: string): number {
  const n = decimalInteger(value);
  if (n === undefined || n < 1) throw new InvalidArgumentError('must be a whole number ≥ 1');
  return n;
}

export function nonNegativeInteger(value: string): number {
  const n = decimalInteger(value);
  if (n === undefined) throw new InvalidArgumentError('must be a whole number ≥ 0');
  return n;
}

export function integerList(value: string): number[] {
  const parts = value.split(',');
  if (parts.some((part) => decimalInteger(part) === undefined || Number(part) < 1)) {
    throw new InvalidArgumentError('must be whole numbers ≥ 1, comma-separated (e.g. 1,8)');
  }
  return parts.map(Number);
}

/**
 * --shard i/n counts from 1, as node --test-shard, vitest, jest and playwright do (1/4 … 4/4; a
 * Kubernetes Indexed Job passes $((JOB_COMPLETION_INDEX + 1))/4); the library's index from 0.
 */
export function shardPosition(value: string): { index: number; count: number } {
  const match = /^(\d{1,9})\/(\d{1,9})$/.exec(value);
  const number = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (match === null || count < 1 || number < 1 || number > count) {
    throw new InvalidArgumentError('must be i/n with 1 ≤ i ≤ n: shards count from 1 (1/4 … 4/4)');
  }
  return { index: number - 1, count };
}

/** A decimal number (exponents allowed: 1e-5); not hex, not padded, not Infinity. */
export function finiteNumber(value: string): number {
  const n = /^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(n)) throw new InvalidArgumentError('must be a number');
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

/**
 * Refuses, as a usage error, a --provider onnxruntime-node does not know by name (a typo, 'tpu');
 * one it knows but cannot start here (CUDA without its libraries) fails later, with exit 1.
 */
export async function checkProviderName(command: Command, provider: string): Promise<void> {
  const { executionProviderNames } = await import('@vit-opt/eval');
  const names = executionProviderNames();
  if (!names.includes(provider)) {
    command.error(
      `error: option '--provider <name>' argument '${provider}' is invalid: onnxruntime-node knows ${names.join(', ')}`,
    );
  }
}

/** The library names its option executionProvider; the user typed --provider. */
export function blameProviderFlag(error: unknown): unknown {
  if (!isVitOptError(error) || error.subject !== 'executionProvider') return error;
  return new VitOptError(error.code, error.message, { subject: '--provider', cause: error });
}
