import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { captureIo } from './io.js';
import { run } from './main.js';

const fixtureModel = fileURLToPath(
  new URL('../../../fixtures/models/vit-tiny-hf/model.onnx', import.meta.url),
);

async function vitOpt(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = captureIo();
  const code = await run(args, io);
  return { code, stdout: io.stdoutText(), stderr: io.stderrText() };
}

const lines = (text: string): string[] => text.trimEnd().split('\n');

describe('vit-opt help and version', () => {
  it('lists every command in --help', async () => {
    const { code, stdout, stderr } = await vitOpt('--help');
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toContain('Usage: vit-opt [options] [command]');
    expect(stdout).toMatch(/^ {2}inspect \[options\] <model>/m);
    expect(stdout).toMatch(/^ {2}simplify \[options\] <model>/m);
    expect(stdout).toContain('70 internal error');
  });

  it.each([
    ['inspect', '--json'],
    ['simplify', '--no-fold'],
  ])('has --help on %s', async (command, option) => {
    const { code, stdout } = await vitOpt(command, '--help');
    expect(code).toBe(0);
    expect(stdout).toContain(`Usage: vit-opt ${command} [options] <model>`);
    expect(stdout).toContain(option);
    expect((await vitOpt('help', command)).stdout).toBe(stdout);
  });

  it('prints the package version', async () => {
    const version = (
      JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
        version: string;
      }
    ).version;
    expect(await vitOpt('--version')).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });
});

describe('vit-opt usage errors', () => {
  it.each([
    [
      ['frobnicate'],
      "error: unknown command 'frobnicate'",
      'Usage: vit-opt [options] [command] (see --help)',
    ],
    [
      ['inspect', '--bogus', fixtureModel],
      "error: unknown option '--bogus'",
      'Usage: vit-opt inspect [options] <model> (see --help)',
    ],
    [
      ['inspect'],
      "error: missing required argument 'model'",
      'Usage: vit-opt inspect [options] <model> (see --help)',
    ],
    [
      ['inspect', fixtureModel, 'extra'],
      'error: too many arguments for',
      'Usage: vit-opt inspect [options] <model> (see --help)',
    ],
    [
      ['simplify', fixtureModel],
      "error: required option '-o, --output <file>' not specified",
      'Usage: vit-opt simplify [options] <model> (see --help)',
    ],
    [
      ['simplify', fixtureModel, '-o'],
      "error: option '-o, --output <file>' argument missing",
      'Usage: vit-opt simplify [options] <model> (see --help)',
    ],
  ])('%j exits 2 with one line and the usage', async (args, message, usage) => {
    const { code, stdout, stderr } = await vitOpt(...args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    const [first, second, ...rest] = lines(stderr);
    expect(first).toContain(message);
    expect(second).toBe(usage);
    expect(rest).toEqual([]);
  });

  it('shows the help on stderr and exits 2 without a command', async () => {
    const { code, stdout, stderr } = await vitOpt();
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('Usage: vit-opt [options] [command]');
  });
});

describe('vit-opt on a bad model file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vit-opt-cli-'));
  const file = (name: string, bytes: string | Uint8Array): string => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  };
  const model = readFileSync(fixtureModel);
  const cases: [string, string, RegExp][] = [
    ['missing', join(dir, 'missing.onnx'), /no such file/],
    ['empty', file('empty.onnx', ''), /empty/],
    [
      'a PNG',
      file(
        'image.onnx',
        new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]),
      ),
      /not an ONNX model/i,
    ],
    ['truncated', file('half.onnx', model.subarray(0, model.length >> 1)), /truncated|ends/i],
    [
      'a text file',
      file('notes.onnx', 'These are not the weights you are looking for.\n'),
      /not an ONNX model/i,
    ],
    ['a directory', dir, /directory/],
  ];

  it.each(cases)('%s: inspect exits 1 with one line naming the file', async (_, path, problem) => {
    const { code, stdout, stderr } = await vitOpt('inspect', path);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(lines(stderr)).toHaveLength(1);
    expect(stderr.startsWith(`error: ${path}: `)).toBe(true);
    expect(stderr).toMatch(problem);
  });

  it.each(cases)(
    '%s: simplify exits 1 the same way and writes nothing',
    async (_, path, problem) => {
      const output = join(dir, 'never-written.onnx');
      const { code, stderr } = await vitOpt('simplify', path, '-o', output, '--no-fold');
      expect(code).toBe(1);
      expect(lines(stderr)).toHaveLength(1);
      expect(stderr).toMatch(problem);
      expect(() => readFileSync(output)).toThrow();
    },
  );
});
