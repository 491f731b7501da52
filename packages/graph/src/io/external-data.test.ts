import { execFileSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VitOptError } from '../errors.js';
import { DataType } from '../ir/dtype.js';
import { Model } from '../ir/model.js';
import { Tensor } from '../ir/tensor.js';
import { loadModel, saveModel } from './model-file.js';
import { onnxType } from './proto.js';

/** x · w with w float32[8, 8] (256 bytes) kept in `weights.bin` beside the model. */
function savedModel(): { dir: string; path: string } {
  const model = new Model({ opsetImports: new Map([['', 17]]) });
  const g = model.graph;
  const x = g.createValue('x');
  x.type = { kind: 'tensor', elemType: DataType.FLOAT, shape: [1, 8] };
  g.inputs.push(x);
  const w = g.addInitializer(
    Tensor.fromArray(
      { name: 'w', dtype: DataType.FLOAT, dims: [8, 8] },
      new Float32Array(64).fill(0.5),
    ),
  );
  g.outputs.push(g.addNode({ opType: 'MatMul', inputs: [x, w], outputs: ['y'] }).output(0));
  const dir = mkdtempSync(join(tmpdir(), 'vit-opt-external-'));
  const path = join(dir, 'model.onnx');
  saveModel(model, path, { externalData: true, externalDataThresholdBytes: 16 });
  return { dir, path };
}

interface ProtoModel {
  graph: { initializer: Array<{ externalData: Array<{ key: string; value: string }> }> };
}

/** Rewrites the external_data entries of `w` in the model file. */
function setEntries(path: string, change: (entries: Map<string, string>) => void): void {
  const type = onnxType('ModelProto');
  const model = type.decode(readFileSync(path)) as unknown as ProtoModel;
  const tensor = model.graph.initializer[0]!;
  const entries = new Map(tensor.externalData.map((e) => [e.key, e.value]));
  change(entries);
  tensor.externalData = [...entries].map(([key, value]) => ({ key, value }));
  writeFileSync(path, type.encode(model as never).finish());
}

/** The data file saveModel wrote, renamed to `weights.bin` and referenced by that name. */
function withWeightsBin(): { dir: string; path: string } {
  const saved = savedModel();
  setEntries(saved.path, (entries) => {
    renameSync(join(saved.dir, entries.get('location')!), join(saved.dir, 'weights.bin'));
    entries.set('location', 'weights.bin');
  });
  return saved;
}

function loadError(path: string): string {
  try {
    loadModel(path).graph.value('w')!.initializer!.bytes();
  } catch (error) {
    expect(error).toBeInstanceOf(VitOptError);
    expect((error as VitOptError).code).toBe('EXTERNAL_DATA');
    return (error as VitOptError).toOneLine();
  }
  return 'loaded';
}

describe('external data', () => {
  it('reads a side file inside the model folder, through a symbolic link that stays inside', () => {
    const { dir, path } = withWeightsBin();
    mkdirSync(join(dir, 'data'));
    renameSync(join(dir, 'weights.bin'), join(dir, 'data', 'weights.bin'));
    symlinkSync(join('data', 'weights.bin'), join(dir, 'weights.bin'));
    expect(loadModel(path).graph.value('w')!.initializer!.float32()[63]).toBe(0.5);
  });

  it('refuses a location that links out of the model folder (to /etc/passwd)', () => {
    const { dir, path } = withWeightsBin();
    rmSync(join(dir, 'weights.bin'));
    symlinkSync('/etc/passwd', join(dir, 'weights.bin'));
    setEntries(path, (entries) => entries.set('length', '256'));
    expect(loadError(path)).toBe(
      `${path}: tensor 'w': external data file 'weights.bin' resolves to /etc/passwd, outside the model's folder`,
    );
  });

  it('refuses a location outside the folder by its name', () => {
    const { path } = withWeightsBin();
    setEntries(path, (entries) => entries.set('location', '../weights.bin'));
    expect(loadError(path)).toBe(
      `${path}: tensor 'w': external data location '../weights.bin' points outside the model's folder`,
    );
  });

  it('refuses a FIFO without opening it, so nothing waits for a writer', () => {
    const { dir, path } = withWeightsBin();
    rmSync(join(dir, 'weights.bin'));
    execFileSync('mkfifo', [join(dir, 'weights.bin')]);
    expect(loadError(path)).toBe(
      `${path}: tensor 'w': external data file 'weights.bin' is a FIFO (named pipe), not a regular file`,
    );
  });

  it('checks the file again when it reads it: a file swapped for a FIFO after loading is refused', () => {
    const { dir, path } = withWeightsBin();
    const tensor = loadModel(path).graph.value('w')!.initializer!;
    rmSync(join(dir, 'weights.bin'));
    execFileSync('mkfifo', [join(dir, 'weights.bin')]);
    expect(() => tensor.bytes()).toThrow(
      /external data file 'weights.bin' is a FIFO \(named pipe\), not a regular file/,
    );
  });

  it('refuses a directory, a missing file and a loop of symbolic links', () => {
    const { dir, path } = withWeightsBin();
    rmSync(join(dir, 'weights.bin'));
    mkdirSync(join(dir, 'weights.bin'));
    expect(loadError(path)).toMatch(/'weights.bin' is a directory, not a regular file$/);
    rmSync(join(dir, 'weights.bin'), { recursive: true });
    expect(loadError(path)).toMatch(/external data file 'weights.bin' does not exist$/);
    symlinkSync('loop-b', join(dir, 'weights.bin'));
    symlinkSync('weights.bin', join(dir, 'loop-b'));
    expect(loadError(path)).toMatch(
      /external data file 'weights.bin' is a loop of symbolic links$/,
    );
  });

  it.each([
    [
      'a length that disagrees with dims × dtype',
      'length',
      '255',
      'external data length 255 disagrees with float32[8,8] (256 bytes)',
    ],
    [
      'a length that is no number',
      'length',
      '0x100',
      "external data length '0x100' is not a byte count",
    ],
    [
      'an offset past the end of the file',
      'offset',
      '4096',
      "external data file 'weights.bin' holds 256 bytes; the tensor ends at byte 4352",
    ],
    ['a negative offset', 'offset', '-1', "external data offset '-1' is not a byte count"],
  ])('refuses %s', (_, key, value, message) => {
    const { path } = withWeightsBin();
    setEntries(path, (entries) => entries.set(key, value));
    expect(loadError(path)).toBe(`${path}: tensor 'w': ${message}`);
  });
});
