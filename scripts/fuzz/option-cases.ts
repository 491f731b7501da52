import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command, Option } from 'commander';
import { captureIo } from '../../packages/cli/src/io.js';
import { createProgram } from '../../packages/cli/src/program.js';
import { FIXTURES } from './model-mutants.js';
import type { Random } from './random.js';

export interface OptionCase {
  readonly command: string;
  readonly flag: string;
  readonly value: string | undefined;
  readonly args: string[];
  /** 'usage': the run must be a usage error (exit 2); 'any': a clean error or a success. */
  readonly expect: 'usage' | 'any';
  /** Files the run may write. */
  readonly outputs: string[];
}

const MODEL = join(FIXTURES, 'models', 'vit-tiny-hf', 'model.onnx');
const VAL = join(FIXTURES, 'data', 'fashion-mnist', 'val');
const RESULTS = join(FIXTURES, 'results', 'vit-tiny-hf');

/** Values no numeric, size, list or shard parser may take: each must be a usage error. */
const NEVER_VALID = ['0x10', ' 16', '16 ', '', 'NaN', 'abc', '1_000', '∞', '0b11'];
/** Values a whole-number flag must refuse too (a float flag may take 1e30). */
const NOT_WHOLE = ['1e3', '1.5', '+3', '-0', '9'.repeat(30)];
/** Text flags (regular expressions, names) are refused only what they cannot parse. */
const BAD_TEXT = ['(', '[', '*', 'a{2,1}'];

/** Arguments that make each command valid and quick, whichever flag is then changed. */
function baseArgs(command: string, out: string, shard: string): string[] {
  switch (command) {
    case 'inspect':
      return [MODEL];
    case 'simplify':
      return [MODEL, '-o', join(out, 'model.onnx'), '--no-fold'];
    case 'quantize':
      return [MODEL, '-o', join(out, 'model.onnx'), '--mode', 'dynamic'];
    case 'prune':
      return [MODEL, '-o', join(out, 'model.onnx'), '--heads', '1'];
    case 'resize':
      return [MODEL, '-o', join(out, 'model.onnx'), '--size', '35'];
    case 'eval':
      return [MODEL, '--data', VAL, '--limit', '4', '-o', join(out, 'results.json')];
    case 'merge':
      return [shard, '-o', join(out, 'merged.json')];
    case 'bench':
      return [MODEL, '--runs', '1', '--batch', '1', '--threads', '1'];
    case 'report':
      return [join(RESULTS, 'fp32.eval.json'), join(RESULTS, 'fp32.bench.json'), '-o', join(out, 'report')];
    case 'run':
      return [join(FIXTURES, '..', 'examples', 'vit-tiny', 'pipeline.yaml'), '-o', join(out, 'run')];
    default:
      return [MODEL];
  }
}

/** The base arguments without `flag` (and its value), so that the fuzzed one is the only one. */
function without(args: string[], option: Option): string[] {
  const names = [option.long, option.short].filter((n): n is string => n !== undefined);
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (names.includes(args[i]!)) {
      if (option.required || option.optional) i++;
      continue;
    }
    out.push(args[i]!);
  }
  return out;
}

function rejects(option: Option, value: string): boolean {
  try {
    option.parseArg!(value, undefined);
    return false;
  } catch {
    return true;
  }
}

/** The invalid values to try for a flag, and whether each must be a usage error. */
function invalidValues(option: Option, hostile: string[]): Array<{ value: string; expect: 'usage' | 'any' }> {
  if (option.argChoices !== undefined) {
    return ['bogus', '', ` ${option.argChoices[0]}`].map((value) => ({ value, expect: 'usage' }));
  }
  if (option.long === '--provider') {
    return ['tpu', '', 'CPU', 'cpu '].map((value) => ({ value, expect: 'usage' }));
  }
  if (option.parseArg !== undefined) {
    if (!rejects(option, 'abc')) {
      return BAD_TEXT.filter((value) => rejects(option, value)).map((value) => ({ value, expect: 'usage' }));
    }
    const whole = !rejects(option, '16') && rejects(option, '1.5');
    return [...NEVER_VALID, ...(whole ? NOT_WHOLE : [])].map((value) => ({ value, expect: 'usage' }));
  }
  // A path or free text: hostile files must end cleanly, in a failure or a success. A folder (or
  // one yet to be made) is what a <dir> flag wants, and would start a whole run: not tried there.
  const isDir = option.flags.includes('<dir>');
  return hostile
    .filter((value) => !isDir || !/(folder|missing)$/.test(value))
    .map((value) => ({ value, expect: 'any' }));
}

/**
 * Every flag of every command, each with `perFlag` invalid values drawn at random: a value flag
 * gets values no parser may take (a usage error, exit 2, one line), a switch gets `--flag=x`,
 * a path flag a FIFO, /dev/zero, a folder or nothing (a clean end either way).
 */
export function optionCases(root: string, random: Random, perFlag: number, shard: string): OptionCase[] {
  const program = createProgram(captureIo());
  const hostileDir = join(root, 'hostile');
  mkdirSync(join(hostileDir, 'folder'), { recursive: true });
  execFileSync('mkfifo', [join(hostileDir, 'fifo')]);
  const hostile = ['/dev/zero', join(hostileDir, 'fifo'), join(hostileDir, 'folder'), join(hostileDir, 'missing'), ''];
  const cases: OptionCase[] = [];
  let n = 0;
  for (const command of program.commands as Command[]) {
    for (const option of command.options as Option[]) {
      const flag = option.long ?? option.short!;
      const values: Array<{ value: string | undefined; expect: 'usage' | 'any' }> =
        option.required || option.optional
          ? invalidValues(option, hostile)
          : [{ value: undefined, expect: 'usage' }];
      for (let k = 0; k < Math.min(perFlag, values.length); k++) {
        const { value, expect } = values.splice(random.int(0, values.length - 1), 1)[0]!;
        const out = join(root, `option-${n++}`);
        mkdirSync(out, { recursive: true });
        const base = without(baseArgs(command.name(), out, shard), option);
        const fuzzed = value === undefined ? [`${flag}=x`] : [flag, value];
        const outputs = [join(out, 'model.onnx'), join(out, 'results.json'), join(out, 'merged.json')];
        cases.push({ command: command.name(), flag, value, args: [command.name(), ...base, ...fuzzed], expect, outputs });
      }
    }
  }
  return cases;
}
