// Each case of issue 12 ("More found on the same tries") that is not quantize's own: reproduced,
// and now one clean line (or, for the data-loss cases, a refusal before anything is written).
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel, saveModel } from '@vit-opt/graph';
import { describe, expect, it } from 'vitest';
import type { CliIo } from './io.js';
import { run } from './main.js';

const repo = (path: string): string => fileURLToPath(new URL(`../../../${path}`, import.meta.url));
const FIXTURE = repo('fixtures/models/vit-tiny-hf/model.onnx');
const DATA = repo('fixtures/data/fashion-mnist/val');
const tempDir = (): string => mkdtempSync(join(tmpdir(), 'vit-opt-robust-'));

/** The fixture and its config files in a folder of their own, so a test may change them. */
function modelCopy(): string {
  const dir = tempDir();
  for (const name of ['model.onnx', 'config.json', 'preprocessor_config.json']) {
    copyFileSync(join(dirname(FIXTURE), name), join(dir, name));
  }
  return join(dir, 'model.onnx');
}

interface Outcome {
  code: number;
  stdout: string;
  /** stderr without progress lines. */
  stderr: string;
}

/**
 * Runs vit-opt in this process. `onProgress` sees each progress line and may send a signal, as a
 * user's Ctrl-C or a scheduler's SIGTERM would arrive.
 */
async function vitOpt(args: string[], onProgress?: (line: string) => void): Promise<Outcome> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io: CliIo = {
    stdout: { write: (text: string) => stdout.push(text) },
    stderr: {
      write: (text: string) => {
        if (/^(eval|bench) \d+%/.test(text)) onProgress?.(text);
        else stderr.push(text);
        return true;
      },
    },
  };
  const code = await run(args, io);
  return { code, stdout: stdout.join(''), stderr: stderr.join('') };
}

const oneLine = (outcome: Outcome): string => {
  expect(outcome.stderr.trimEnd().split('\n')).toHaveLength(1);
  return outcome.stderr.trimEnd();
};

/** Protobuf by hand: a varint, and a field of a number, wire type and payload. */
const varint = (n: number): number[] => (n < 0x80 ? [n] : [(n & 0x7f) | 0x80, ...varint(n >>> 7)]);
const field = (number: number, payload: string | number[]): number[] => {
  const bytes = typeof payload === 'string' ? [...Buffer.from(payload)] : payload;
  return [...varint((number << 3) | 2), ...varint(bytes.length), ...bytes];
};

/**
 * A model whose Constant node has an attribute 'value' of type TENSOR (4) without the tensor:
 * the field the 100-byte mutant of the issue lost. ir_version 8, opset 17, one output 'c'.
 */
function constantWithoutTensor(): Uint8Array {
  const attribute = [...field(1, 'value'), ...varint((20 << 3) | 0), 4];
  const node = [
    ...field(2, 'c'),
    ...field(3, 'k'),
    ...field(4, 'Constant'),
    ...field(5, attribute),
  ];
  const graph = [...field(1, node), ...field(2, 'g'), ...field(12, field(1, 'c'))];
  return Uint8Array.from([8, 8, ...field(8, [16, 17]), ...field(7, graph)]);
}

/** Every file under `dir`, hidden ones (temp files) included. */
const filesIn = (dir: string): string[] => readdirSync(dir).sort();

describe('outputs that would destroy an input are refused before anything runs (exit 2)', () => {
  it('eval -o <the model>, bench -o <the model>', async () => {
    const model = modelCopy();
    const before = readFileSync(model);
    const evalRun = await vitOpt(['eval', model, '--data', DATA, '--limit', '4', '-o', model]);
    expect(evalRun.code).toBe(2);
    expect(evalRun.stderr).toMatch(
      new RegExp(`^error: -o ${model} is the model, which this run reads; write elsewhere\n`),
    );
    const benchRun = await vitOpt(['bench', model, '--runs', '1', '-o', model]);
    expect(benchRun.code).toBe(2);
    expect(benchRun.stderr).toContain('is the model, which this run reads');
    expect(readFileSync(model).equals(before)).toBe(true);
  });

  it("eval -o <the model's config.json>, also through a symbolic link", async () => {
    const model = modelCopy();
    const config = join(dirname(model), 'config.json');
    const direct = await vitOpt(['eval', model, '--data', DATA, '--limit', '4', '-o', config]);
    expect(direct.code).toBe(2);
    expect(direct.stderr).toContain(
      `-o ${config} is the model's config.json, which this run reads`,
    );
    const link = join(tempDir(), 'results.json');
    symlinkSync(config, link);
    const linked = await vitOpt(['eval', model, '--data', DATA, '--limit', '4', '-o', link]);
    expect(linked.code).toBe(2);
    expect(linked.stderr).toContain("is the model's config.json");
    expect(JSON.parse(readFileSync(config, 'utf8'))).toHaveProperty('id2label');
  });

  it('-o /dev/null and a directory are refused as not a file to write; eval -o - writes the JSON to stdout', async () => {
    const devNull = await vitOpt([
      'eval',
      FIXTURE,
      '--data',
      DATA,
      '--limit',
      '4',
      '-o',
      '/dev/null',
    ]);
    expect(devNull.code).toBe(2);
    expect(devNull.stderr).toMatch(
      /^error: -o \/dev\/null is a character device, not a file to write\n/,
    );
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
    const dir = tempDir();
    const simplifyDir = await vitOpt(['simplify', FIXTURE, '-o', dir, '--no-fold']);
    expect(simplifyDir.code).toBe(2);
    expect(simplifyDir.stderr).toContain(`--output ${dir} is a directory, not a file to write`);
    const stdout = await vitOpt(['eval', FIXTURE, '--data', DATA, '--limit', '4', '-o', '-']);
    expect(stdout.code).toBe(0);
    expect(JSON.parse(stdout.stdout)).toMatchObject({ kind: 'eval', metrics: { item_count: 4 } });
    expect(filesIn(process.cwd())).not.toContain('-');
    const simplifyStdout = await vitOpt(['simplify', FIXTURE, '-o', '-', '--no-fold']);
    expect(simplifyStdout.code).toBe(2);
    expect(simplifyStdout.stderr).toMatch(
      /^error: --output - \(stdout\) cannot take this output; give a file\n/,
    );
  });

  it('merge -o <a shard>', async () => {
    const dir = tempDir();
    const shard = join(dir, 's0.json');
    const evalRun = await vitOpt([
      'eval',
      FIXTURE,
      '--data',
      DATA,
      '--limit',
      '4',
      '--shard',
      '1/1',
      '-o',
      shard,
    ]);
    expect(evalRun.stderr).toBe('');
    expect(evalRun.code).toBe(0);
    const merged = await vitOpt(['merge', shard, '-o', shard]);
    expect(merged.code).toBe(2);
    expect(merged.stderr).toContain(`-o ${shard} is a shard, which this run reads`);
  });
});

describe('external data', () => {
  it('a tensor kept in a link to /etc/passwd is refused, and nothing is written', async () => {
    const dir = tempDir();
    const model = join(dir, 'model.onnx');
    saveModel(loadModel(FIXTURE), model, {
      externalData: true,
      externalDataLocation: 'weights.bin',
    });
    rmSync(join(dir, 'weights.bin'));
    symlinkSync('/etc/passwd', join(dir, 'weights.bin'));
    const out = tempDir();
    const result = await vitOpt([
      'simplify',
      model,
      '-o',
      join(out, 'simplified.onnx'),
      '--no-fold',
    ]);
    expect(result.code).toBe(1);
    expect(oneLine(result)).toMatch(
      new RegExp(
        `^error: ${model}: tensor '[^']+': external data file 'weights.bin' resolves to /etc/passwd, outside the model's folder$`,
      ),
    );
    expect(filesIn(out)).toEqual([]);
  });

  it('a tensor kept in a FIFO is refused at once, not waited on', async () => {
    const dir = tempDir();
    const model = join(dir, 'model.onnx');
    saveModel(loadModel(FIXTURE), model, {
      externalData: true,
      externalDataLocation: 'weights.bin',
    });
    rmSync(join(dir, 'weights.bin'));
    execFileSync('mkfifo', [join(dir, 'weights.bin')]);
    const result = await vitOpt(['inspect', model]);
    expect(result.code).toBe(1);
    expect(oneLine(result)).toContain(
      "external data file 'weights.bin' is a FIFO (named pipe), not a regular file",
    );
  });
});

describe('broken models are refused as such, in one line', () => {
  it('simplify of a model with a dangling input names the node, not a pass', async () => {
    const broken = loadModel(FIXTURE);
    const node = broken.graph.nodes[40]!;
    node.setInput(0, broken.graph.createValue('nowhere'));
    const model = join(tempDir(), 'broken.onnx');
    saveModel(broken, model);
    const out = tempDir();
    const result = await vitOpt(['simplify', model, '-o', join(out, 's.onnx')]);
    expect(result.code).toBe(1);
    const line = oneLine(result);
    expect(line).toMatch(
      new RegExp(`^error: ${model}: .* node '[^']+': input 0 'nowhere' is not defined`),
    );
    expect(line).not.toContain('pass');
    expect(filesIn(out)).toEqual([]);
  });

  it('an attribute declared a tensor that holds none (was "Cannot read properties of null") is one line, exit 1', async () => {
    const model = join(tempDir(), 'null-tensor.onnx');
    writeFileSync(model, constantWithoutTensor());
    for (const args of [
      ['inspect', model],
      ['simplify', model, '-o', join(tempDir(), 's.onnx')],
    ]) {
      const result = await vitOpt(args);
      expect(result.code).toBe(1);
      expect(oneLine(result)).toMatch(
        /attribute 'value' of Constant node '[^']+' is declared a tensor but holds none$/,
      );
    }
  });
});

describe('a model onnxruntime cannot load does not come out of quantize as a success', () => {
  it('an opset onnxruntime does not know (structurally valid): one line blaming the input, no file', async () => {
    const model = loadModel(FIXTURE);
    model.opsetImports.set('', 10000);
    const path = join(tempDir(), 'opset-10000.onnx');
    saveModel(model, path);
    const out = tempDir();
    const result = await vitOpt(['quantize', path, '--mode', 'dynamic', '-o', join(out, 'q.onnx')]);
    expect(result.code).toBe(1);
    expect(oneLine(result)).toMatch(
      /^error: .*opset-10000\.onnx: onnxruntime cannot load this model: .*\(--no-runtime-check quantizes it anyway\)$/,
    );
    expect(filesIn(out)).toEqual([]);
  });

  it.each([
    ['prune', ['--heads', '1'], 'prunes'],
    ['resize', ['--size', '35'], 'resizes'],
  ])('nor out of %s', async (command, flags, verb) => {
    const model = loadModel(FIXTURE);
    model.opsetImports.set('', 10000);
    const path = join(tempDir(), 'opset-10000.onnx');
    saveModel(model, path);
    const out = tempDir();
    const result = await vitOpt([command, path, ...flags, '-o', join(out, 'm.onnx')]);
    expect(result.code).toBe(1);
    expect(oneLine(result)).toMatch(
      new RegExp(
        `onnxruntime cannot load this model: .*\\(--no-runtime-check ${verb} it anyway\\)$`,
      ),
    );
    expect(filesIn(out)).toEqual([]);
  });
});

describe('all outputs of one command are committed together, or none', () => {
  it('quantize --report <the config.json the run copies beside -o> is refused before anything runs', async () => {
    const out = tempDir();
    const report = join(out, 'config.json');
    const result = await vitOpt([
      'quantize',
      FIXTURE,
      '--mode',
      'dynamic',
      '-o',
      join(out, 'q.onnx'),
      '--report',
      report,
      '--calib',
      DATA,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `--report ${report} is also the copy of the model's config.json; give each output its own file`,
    );
    expect(filesIn(out)).toEqual([]);
  });

  it('prune --report that cannot be written leaves no model and no config files', async () => {
    const out = tempDir();
    const result = await vitOpt([
      'prune',
      FIXTURE,
      '--heads',
      '1',
      '-o',
      join(out, 'p.onnx'),
      '--report',
      '/proc/vit-opt-report.txt',
    ]);
    expect(result.code).not.toBe(0);
    oneLine(result);
    expect(filesIn(out)).toEqual([]);
  });
});

describe('SIGINT and SIGTERM', () => {
  it.each([
    ['SIGINT', 130, 'interrupted (Ctrl-C): no results written'],
    ['SIGTERM', 143, 'interrupted (SIGTERM): no results written'],
  ] as const)(
    '%s after eval’s last batch exits %i with one line and writes nothing',
    async (signal, code, message) => {
      const out = tempDir();
      let sent = false;
      const result = await vitOpt(
        ['eval', FIXTURE, '--data', DATA, '--limit', '8', '-o', join(out, 'r.json')],
        (line) => {
          if (!sent && line.includes('100%')) {
            sent = true;
            process.emit(signal);
          }
        },
      );
      expect(sent).toBe(true);
      expect(result.code).toBe(code);
      expect(result.stderr).toBe(`${message}\n`);
      expect(filesIn(out)).toEqual([]);
      expect(process.listenerCount('SIGINT') + process.listenerCount('SIGTERM')).toBe(0);
    },
  );

  it.each([
    [
      'simplify stops when a signal came during its passes',
      ['simplify'],
      'SIGTERM',
      143,
      'SIGTERM',
    ],
    [
      'quantize --mode dynamic (synchronous passes) stops on Ctrl-C',
      ['quantize', '--mode', 'dynamic'],
      'SIGINT',
      130,
      'Ctrl-C',
    ],
  ] as const)(
    '%s: exit 130/143, one line, nothing written',
    async (_what, command, signal, code, name) => {
      const out = tempDir();
      const pending = vitOpt([command[0], FIXTURE, ...command.slice(1), '-o', join(out, 'm.onnx')]);
      setImmediate(() => process.emit(signal));
      const result = await pending;
      expect(result.code).toBe(code);
      expect(result.stderr).toBe(`interrupted (${name}): no results written\n`);
      expect(filesIn(out)).toEqual([]);
    },
  );

  it('the temp files a killed run left are removed by the next run writing the same output', async () => {
    const out = tempDir();
    const stale = [
      '.r.json.tmp-2147483646-lq2k3j-8f2a1c',
      '.s.onnx.tmp-2147483646-lq2k3j-8f2a1c.data',
    ];
    for (const name of stale) writeFileSync(join(out, name), 'half written');
    expect(
      (await vitOpt(['eval', FIXTURE, '--data', DATA, '--limit', '4', '-o', join(out, 'r.json')]))
        .code,
    ).toBe(0);
    expect((await vitOpt(['simplify', FIXTURE, '-o', join(out, 's.onnx'), '--no-fold'])).code).toBe(
      0,
    );
    expect(filesIn(out)).toEqual(['config.json', 'preprocessor_config.json', 'r.json', 's.onnx']);
  });
});

describe('flags', () => {
  it('--provider tpu is a usage error (exit 2), naming the providers there are', async () => {
    const result = await vitOpt(['bench', FIXTURE, '--provider', 'tpu', '--runs', '1']);
    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')[0]).toMatch(
      /^error: option '--provider <name>' argument 'tpu' is invalid: onnxruntime-node knows cpu/,
    );
  });

  it('a switch given a value is one line and the usage, commander’s suggestion joined to it', async () => {
    const result = await vitOpt(['inspect', FIXTURE, '--json=x']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      "error: unknown option '--json=x' (Did you mean --json?)\nUsage: vit-opt inspect [options] <model> (see --help)\n",
    );
  });

  it.each(['0x10', '1e3', ' 16', '16 ', '+16', '', '9007199254740993', '1.5', '0'])(
    '--batch %j is a usage error (exit 2)',
    async (value) => {
      const result = await vitOpt([
        'eval',
        FIXTURE,
        '--data',
        DATA,
        '-o',
        join(tempDir(), 'r.json'),
        '--batch',
        value,
      ]);
      expect(result.code).toBe(2);
      expect(result.stderr.split('\n')[0]).toContain(
        `option '--batch <n>' argument '${value}' is invalid`,
      );
    },
  );
});

describe('a model and its side file', () => {
  it('are replaced together: the data file a run writes is its own, and the one replaced is removed', async () => {
    const dir = tempDir();
    const source = join(dir, 'source.onnx');
    saveModel(loadModel(FIXTURE), source, { externalData: true });
    const out = tempDir();
    const output = join(out, 'model.onnx');
    for (let i = 0; i < 2; i++) {
      expect((await vitOpt(['simplify', source, '-o', output, '--no-fold'])).code).toBe(0);
    }
    const data = filesIn(out).filter((name) => name.endsWith('.data'));
    expect(data).toHaveLength(1);
    expect(data[0]).toMatch(/^model\.onnx\.[0-9a-f]{8}\.data$/);
    renameSync(join(out, data[0]!), join(out, 'moved.data'));
    expect((await vitOpt(['inspect', output])).stderr).toContain(
      `external data file '${data[0]}' does not exist`,
    );
  });
});
