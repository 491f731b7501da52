import { execFileSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { attr } from '../ir/attribute.js';
import { DataType } from '../ir/dtype.js';
import { Model } from '../ir/model.js';
import { Tensor } from '../ir/tensor.js';
import { decodeModel } from './decode.js';
import { encodeModel } from './encode.js';
import { loadModel, saveModel, stageModel } from './model-file.js';
import { onnxType } from './proto.js';

function linearModel(weightCount = 64): Model {
  const model = new Model({ opsetImports: new Map([['', 17]]) });
  const g = model.graph;
  const x = g.createValue('x');
  x.type = { kind: 'tensor', elemType: DataType.FLOAT, shape: ['batch', 8] };
  g.inputs.push(x);
  const w = g.addInitializer(
    Tensor.fromArray(
      { name: 'w', dtype: DataType.FLOAT, dims: [8, weightCount / 8] },
      new Float32Array(weightCount).map((_, i) => i / 7),
    ),
  );
  const matmul = g.addNode({ opType: 'MatMul', inputs: [x, w], outputs: ['y'] });
  g.outputs.push(matmul.output(0));
  return model;
}

const tempDir = () => mkdtempSync(join(tmpdir(), 'vit-opt-graph-'));

describe('loading and saving models', () => {
  it('round-trips a model through encode and decode', () => {
    const model = linearModel();
    model.metadataProps.set('vit-opt.recipe', '{"mode":"dynamic"}');
    model.graph.nodes[0]!.metadataProps.set('origin', 'test');
    const again = decodeModel(encodeModel(model));
    expect(again.opset()).toBe(17);
    expect(again.metadataProps.get('vit-opt.recipe')).toBe('{"mode":"dynamic"}');
    expect(again.graph.nodes[0]!.metadataProps.get('origin')).toBe('test');
    expect(again.graph.inputs[0]!.type).toEqual({
      kind: 'tensor',
      elemType: DataType.FLOAT,
      shape: ['batch', 8],
    });
    expect(Array.from(again.graph.value('w')!.initializer!.float32())).toEqual(
      Array.from(model.graph.value('w')!.initializer!.float32()),
    );
  });

  it('keeps int64 attributes beyond 2^53 exact', () => {
    const model = linearModel();
    model.graph.nodes[0]!.setAttribute(
      attr.ints('huge', [9223372036854775807n, -9223372036854775808n, 5]),
    );
    // MatMul takes no attributes, which validation would refuse; only the int64s matter here.
    const again = decodeModel(encodeModel(model), { validate: false });
    expect(again.graph.nodes[0]!.attribute('huge')?.value).toEqual([
      9223372036854775807n,
      -9223372036854775808n,
      5,
    ]);
  });

  it('reads tensors stored in float_data form and writes them back as raw_data', () => {
    const model = linearModel();
    const proto = onnxType('ModelProto').decode(encodeModel(model)) as unknown as {
      graph: { initializer: Array<{ rawData: Uint8Array; floatData: number[] }> };
    };
    const init = proto.graph.initializer[0]!;
    init.floatData = Array.from(new Float32Array(new Uint8Array(init.rawData).buffer));
    init.rawData = new Uint8Array(0);
    const bytes = onnxType('ModelProto').encode(proto).finish();
    const decoded = decodeModel(bytes);
    expect(decoded.graph.value('w')!.initializer!.float32()[8]).toBeCloseTo(8 / 7, 6);
    const reencoded = onnxType('ModelProto').decode(
      encodeModel(decoded),
    ) as unknown as typeof proto;
    expect(reencoded.graph.initializer[0]!.rawData.byteLength).toBe(64 * 4);
  });

  it('does not copy weights: aligned tensor data views the file buffer', () => {
    const bytes = encodeModel(linearModel(4096));
    const model = decodeModel(bytes);
    const tensor = model.graph.value('w')!.initializer!;
    expect(tensor.bytes().buffer).toBe(bytes.buffer);
  });

  it('saves large tensors to a side file and loads them back', () => {
    const dir = tempDir();
    const path = join(dir, 'model.onnx');
    saveModel(linearModel(4096), path, { externalData: true, externalDataThresholdBytes: 1024 });
    const [modelFile, dataFile, ...rest] = readdirSync(dir).sort();
    expect([modelFile, rest]).toEqual(['model.onnx', []]);
    expect(dataFile).toMatch(/^model\.onnx\.[0-9a-f]{8}\.data$/);
    expect(statSync(path).size).toBeLessThan(1024);
    const loaded = loadModel(path);
    const w = loaded.graph.value('w')!.initializer!;
    expect(w.isExternal).toBe(true);
    expect(w.float32()[4095]).toBeCloseTo(4095 / 7, 3);
    // Saving it elsewhere inline reads the side file.
    const inline = join(dir, 'inline.onnx');
    saveModel(loaded, inline, { externalData: false });
    expect(loadModel(inline).graph.value('w')!.initializer!.isExternal).toBe(false);
  });

  it('gives each save its own side file, and removes the one of the model it replaced', () => {
    const dir = tempDir();
    const path = join(dir, 'model.onnx');
    saveModel(linearModel(4096), path, { externalData: true });
    const first = readdirSync(dir).filter((name) => name.endsWith('.data'));
    saveModel(linearModel(4096), path, { externalData: true });
    const second = readdirSync(dir).filter((name) => name.endsWith('.data'));
    expect(second).toHaveLength(1);
    expect(second).not.toEqual(first);
    saveModel(linearModel(4096), path, { externalData: false });
    expect(readdirSync(dir)).toEqual(['model.onnx']);
  });

  it('leaves two writers of one path with one writer’s model and that writer’s data, whichever commits last', () => {
    const dir = tempDir();
    const path = join(dir, 'model.onnx');
    const weightsOf = (scale: number) => {
      const model = linearModel(4096);
      const w = model.graph.value('w')!;
      model.graph.setInitializer(
        w,
        Tensor.fromArray(
          { dtype: DataType.FLOAT, dims: [8, 512] },
          new Float32Array(4096).fill(scale),
        ),
      );
      return model;
    };
    for (const [first, second] of [
      [1, 2],
      [2, 1],
    ] as const) {
      const a = stageModel(weightsOf(first), path, { externalData: true });
      const b = stageModel(weightsOf(second), path, { externalData: true });
      a.commit();
      b.commit();
      expect(loadModel(path).graph.value('w')!.initializer!.float32()[100]).toBe(second);
    }
    expect(readdirSync(dir).filter((name) => !name.endsWith('.data'))).toEqual(['model.onnx']);
    expect(readdirSync(dir).filter((name) => name.endsWith('.data'))).toHaveLength(1);
  });

  it('removes the temp files a killed writer of the same path left, not those of a live one', () => {
    const dir = tempDir();
    const path = join(dir, 'model.onnx');
    const dead = '.model.onnx.tmp-2147483646-lq2k3j-8f2a1c';
    const deadData = `${dead}.data`;
    const live = `.model.onnx.tmp-${process.pid}-lq2k3j-77aa11`;
    for (const name of [dead, deadData, live, '.other.onnx.tmp-2147483646-a-b'])
      writeFileSync(join(dir, name), 'partial');
    saveModel(linearModel(), path);
    expect(readdirSync(dir).sort()).toEqual(
      [live, '.other.onnx.tmp-2147483646-a-b', 'model.onnx'].sort(),
    );
  });

  it('refuses to replace what is not a regular file (a FIFO, a directory), writing nothing', () => {
    const dir = tempDir();
    const pipe = join(dir, 'pipe.onnx');
    execFileSync('mkfifo', [pipe]);
    expect(() => saveModel(linearModel(), pipe)).toThrow(
      `is a FIFO (named pipe), not a file to replace`,
    );
    mkdirSync(join(dir, 'folder.onnx'));
    expect(() => saveModel(linearModel(), join(dir, 'folder.onnx'))).toThrow(
      'is a directory, not a file to replace',
    );
    expect(readdirSync(dir).sort()).toEqual(['folder.onnx', 'pipe.onnx']);
  });

  it('refuses external data locations outside the model folder', () => {
    const dir = tempDir();
    const path = join(dir, 'model.onnx');
    saveModel(linearModel(4096), path, { externalData: true, externalDataLocation: 'weights.bin' });
    const text = readFileSync(path);
    const evil = Buffer.from(
      text.toString('latin1').replace('weights.bin', '../xyzw.bin'),
      'latin1',
    );
    writeFileSync(path, evil);
    expect(() => loadModel(path)).toThrow(/points outside the model's folder/);
  });

  it('writes atomically: no temp files are left behind', () => {
    const dir = tempDir();
    saveModel(linearModel(), join(dir, 'a.onnx'));
    expect(readdirSync(dir)).toEqual(['a.onnx']);
  });

  it('creates the folders of the output path that do not exist yet', () => {
    const path = join(tempDir(), 'variants', 'int8', 'model.onnx');
    saveModel(linearModel(), path);
    expect(loadModel(path).graph.nodes).toHaveLength(1);
  });

  it('names the path in one line when it cannot be written', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'file'), 'not a folder');
    expect(() => saveModel(linearModel(), join(dir, 'file', 'model.onnx'))).toThrow(
      'cannot write file (a folder on the path is a file)',
    );
  });
});

describe('bad model files', () => {
  const cases: Array<[string, (dir: string) => string, string, RegExp]> = [
    ['a missing file', (dir) => join(dir, 'nope.onnx'), 'FILE_NOT_FOUND', /no such file/],
    ['an empty file', (dir) => write(dir, 'empty.onnx', new Uint8Array(0)), 'EMPTY_FILE', /empty/],
    [
      'a PNG image',
      (dir) => write(dir, 'x.onnx', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 13, 10])),
      'NOT_ONNX',
      /PNG image/,
    ],
    [
      'a text file',
      (dir) => write(dir, 'x.onnx', Buffer.from('hello world, this is text')),
      'NOT_ONNX',
      /not an ONNX/,
    ],
    [
      'a truncated model',
      (dir) => write(dir, 't.onnx', encodeModel(linearModel(4096)).subarray(0, 9000)),
      'TRUNCATED',
      /truncated/,
    ],
    ['a directory', (dir) => dir, 'FILE_UNREADABLE', /directory/],
    [
      'a FIFO (which would block a read)',
      (dir) => fifo(dir),
      'FILE_UNREADABLE',
      /is a FIFO \(named pipe\), not an ONNX model file/,
    ],
    [
      '/dev/zero (which never ends)',
      () => '/dev/zero',
      'FILE_UNREADABLE',
      /is a character device, not an ONNX model file/,
    ],
  ];
  for (const [what, make, code, message] of cases) {
    it(`names the file and the problem for ${what}`, () => {
      const path = make(tempDir());
      expect(() => loadModel(path)).toThrow(message);
      try {
        loadModel(path);
      } catch (error) {
        expect((error as { code: string }).code).toBe(code);
        expect((error as { toOneLine(): string }).toOneLine()).toMatch(
          new RegExp(`^${escape(path)}: `),
        );
      }
    });
  }
});

function fifo(dir: string): string {
  const path = join(dir, 'pipe.onnx');
  execFileSync('mkfifo', [path]);
  return path;
}

function write(dir: string, name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('fields from a newer ONNX', () => {
  it('are found on load, and saving refuses rather than dropping them', () => {
    const bytes = encodeModel(linearModel());
    // Append field 99 (varint 1) to the model: tag = 99 << 3 | 0 = 792 = 0x98 0x06.
    const withUnknown = new Uint8Array([...bytes, 0x98, 0x06, 0x01]);
    const model = decodeModel(withUnknown);
    expect(model.unknownFields).toEqual(['ModelProto#99']);
    expect(() => encodeModel(model)).toThrow(
      /does not know \(ModelProto#99\); saving would drop them/,
    );
    model.unknownFields = [];
    expect(() => encodeModel(model)).not.toThrow();
  });
});
