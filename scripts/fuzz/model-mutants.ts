import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel, saveModel } from '@vit-opt/graph';
import { onnxType } from '../../packages/graph/src/io/proto.js';
import type { Random } from './random.js';

export const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));
export const MODELS = ['vit-tiny-hf', 'vit-tiny-tv'] as const;
const modelPath = (name: string): string => join(FIXTURES, 'models', name, 'model.onnx');

/** The part of each fixture before its weights: nodes, names, attributes (found by scanning). */
const GRAPH_BYTES = 95_000;

interface Proto {
  irVersion: unknown;
  opsetImport: Array<{ domain: string; version: number }>;
  graph: {
    node: Array<{ input: string[]; output: string[]; opType: string; name: string; attribute: Array<Record<string, unknown>> }>;
    initializer: Array<{ name: string; dims: number[]; dataType: number }>;
    input: Array<{ name: string }>;
    output: Array<{ name: string }>;
  };
}

const modelType = () => onnxType('ModelProto');
const decode = (bytes: Uint8Array): Proto => modelType().decode(bytes) as unknown as Proto;
const encode = (proto: Proto): Uint8Array => modelType().encode(proto as never).finish();

/** A mutant: writes dir/model.onnx (and whatever else it needs) and says what it did. */
type Mutation = (dir: string, random: Random, fixture: Uint8Array, fixtureName: string) => string;

const write = (dir: string, bytes: Uint8Array): void => writeFileSync(join(dir, 'model.onnx'), bytes);

function flipBits(bytes: Uint8Array, count: number, random: Random, graphOnly: boolean): void {
  const end = graphOnly ? Math.min(GRAPH_BYTES, bytes.length) : bytes.length;
  for (let i = 0; i < count; i++) bytes[random.int(0, end - 1)]! ^= 1 << random.int(0, 7);
}

/** Models saved with their weights in `weights.bin`, then that file or its entry broken. */
function externalData(dir: string, fixtureName: string): void {
  saveModel(loadModel(modelPath(fixtureName)), join(dir, 'model.onnx'), {
    externalData: true,
    externalDataLocation: 'weights.bin',
  });
}

function setExternalEntry(dir: string, random: Random, key: string, value: (old: string) => string): void {
  const proto = decode(readFileSync(join(dir, 'model.onnx')));
  const external = proto.graph.initializer.filter((t) => (t as { dataLocation?: number }).dataLocation === 1);
  const tensor = random.pick(external) as unknown as { externalData: Array<{ key: string; value: string }> };
  const entry = tensor.externalData.find((e) => e.key === key);
  if (entry === undefined) tensor.externalData.push({ key, value: value('') });
  else entry.value = value(entry.value);
  write(dir, encode(proto));
}

const MUTATIONS: ReadonlyArray<readonly [string, number, Mutation]> = [
  ['truncated', 3, (dir, r, f) => {
    const length = r.int(0, f.length - 1);
    write(dir, f.subarray(0, length));
    return `cut at ${length} of ${f.length} bytes`;
  }],
  ['1 flipped bit', 2, (dir, r, f) => {
    const bytes = Uint8Array.from(f);
    flipBits(bytes, 1, r, r.next() < 0.8);
    write(dir, bytes);
    return '1 bit';
  }],
  ['10 flipped bits', 3, (dir, r, f) => {
    const bytes = Uint8Array.from(f);
    flipBits(bytes, 10, r, r.next() < 0.8);
    write(dir, bytes);
    return '10 bits';
  }],
  ['100 flipped bits', 2, (dir, r, f) => {
    const bytes = Uint8Array.from(f);
    flipBits(bytes, 100, r, r.next() < 0.8);
    write(dir, bytes);
    return '100 bits';
  }],
  ['3 random regions', 3, (dir, r, f) => {
    const bytes = Uint8Array.from(f);
    for (let i = 0; i < 3; i++) bytes.set(r.bytes(33), r.int(0, GRAPH_BYTES - 40));
    write(dir, bytes);
    return '3 × 33 random bytes';
  }],
  ['overwritten block', 2, (dir, r, f) => {
    const bytes = Uint8Array.from(f);
    const at = r.int(0, f.length - 1);
    const length = r.int(1, 512);
    const fill = r.pick(['zeros', 'ones', 'random'] as const);
    const block = fill === 'random' ? r.bytes(length) : new Uint8Array(length).fill(fill === 'zeros' ? 0 : 0xff);
    bytes.set(block.subarray(0, Math.max(0, f.length - at)), at);
    write(dir, bytes);
    return `${length} bytes of ${fill} at ${at}`;
  }],
  ['wrong message', 2, (dir, r, _f, name) => {
    const what = r.pick(['a TensorProto', 'a PNG', 'JSON', 'empty', 'random bytes', 'a graph alone'] as const);
    const bytes =
      what === 'a TensorProto'
        ? readFileSync(join(FIXTURES, 'models', name, 'test_data_set_0', 'input_0.pb'))
        : what === 'a PNG'
          ? Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...r.bytes(64)])
          : what === 'JSON'
            ? readFileSync(join(FIXTURES, 'models', name, 'config.json'))
            : what === 'empty'
              ? new Uint8Array(0)
              : what === 'random bytes'
                ? r.bytes(r.int(1, 4096))
                : onnxType('GraphProto').encode(decode(readFileSync(modelPath(name))).graph as never).finish();
    write(dir, bytes);
    return what;
  }],
  ['bad dims', 2, (dir, r, f) => {
    const proto = decode(f);
    const tensor = r.pick(proto.graph.initializer);
    const how = r.pick(['grown', 'shrunk', 'negative', 'zero', 'huge', 'extra axis'] as const);
    const i = r.int(0, Math.max(0, tensor.dims.length - 1));
    const d = Number(tensor.dims[i] ?? 1);
    if (how === 'extra axis') tensor.dims = [...tensor.dims, 2];
    else tensor.dims[i] = how === 'grown' ? d + 1 : how === 'shrunk' ? Math.max(0, d - 1) : how === 'negative' ? -d - 1 : how === 'zero' ? 0 : 2 ** 40;
    write(dir, encode(proto));
    return `${how} dim of '${tensor.name}'`;
  }],
  ['dangling input', 3, (dir, r, f) => {
    const proto = decode(f);
    const node = r.pick(proto.graph.node.filter((n) => n.input.length > 0));
    const i = r.int(0, node.input.length - 1);
    node.input[i] = `${node.input[i]}\ufffd`;
    write(dir, encode(proto));
    return `input ${i} of '${node.name}' renamed`;
  }],
  ['cycle', 2, (dir, r, f) => {
    const proto = decode(f);
    const nodes = proto.graph.node;
    const i = r.int(0, nodes.length - 2);
    const j = r.int(i + 1, nodes.length - 1);
    const from = nodes[i]!;
    if (from.input.length === 0) from.input.push(nodes[j]!.output[0]!);
    else from.input[0] = nodes[j]!.output[0]!;
    write(dir, encode(proto));
    return `'${from.name}' reads '${nodes[j]!.output[0]}'`;
  }],
  ['value produced twice', 1, (dir, r, f) => {
    const proto = decode(f);
    const [a, b] = [r.pick(proto.graph.node), r.pick(proto.graph.node)];
    a!.output[0] = b!.output[0]!;
    write(dir, encode(proto));
    return `'${a!.name}' and '${b!.name}' produce '${b!.output[0]}'`;
  }],
  ['odd opsets', 2, (dir, r, f) => {
    const proto = decode(f);
    const how = r.pick(['0', 'negative', '1', '7', '10', '99', '10000', 'none', 'twice', 'ir 0', 'ir 99'] as const);
    const onnx = proto.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx')!;
    if (how === 'none') proto.opsetImport = proto.opsetImport.filter((o) => o !== onnx);
    else if (how === 'twice') proto.opsetImport.push({ domain: '', version: 7 });
    else if (how === 'ir 0' || how === 'ir 99') proto.irVersion = how === 'ir 0' ? 0 : 99;
    else onnx.version = how === 'negative' ? -3 : Number(how);
    write(dir, encode(proto));
    return `opset ${how}`;
  }],
  ['unknown operator', 1, (dir, r, f) => {
    const proto = decode(f);
    const node = r.pick(proto.graph.node);
    node.opType = r.pick([`${node.opType}x`, node.opType.toLowerCase(), '', 'MatMvl']);
    write(dir, encode(proto));
    return `'${node.name}' is a ${node.opType}`;
  }],
  ['attribute without its value', 1, (dir, r, f) => {
    const proto = decode(f);
    const node = r.pick(proto.graph.node.filter((n) => n.attribute.length > 0));
    const attribute = r.pick(node.attribute);
    for (const key of ['t', 'g', 'f', 'i', 's']) delete attribute[key];
    attribute.type = r.pick([4, 5, 11, 13, 99, 0]);
    write(dir, encode(proto));
    return `attribute '${String(attribute.name)}' of '${node.name}' typed ${String(attribute.type)}, no value`;
  }],
  ['external data', 6, (dir, r, _f, name) => {
    externalData(dir, name);
    const weights = join(dir, 'weights.bin');
    const how = r.pick([
      'outside by name',
      'absolute /etc/passwd',
      'link to /etc/passwd',
      'FIFO',
      'link to /dev/zero',
      'directory',
      'missing',
      'length off by one',
      'offset past the end',
      'link loop',
      'link inside the folder',
      'huge length',
      'not a number',
    ] as const);
    switch (how) {
      case 'outside by name':
        copyFileSync(weights, join(dir, '..', 'outside.bin'));
        setExternalEntry(dir, r, 'location', () => '../outside.bin');
        break;
      case 'absolute /etc/passwd':
        setExternalEntry(dir, r, 'location', () => '/etc/passwd');
        break;
      case 'link to /etc/passwd':
        rmSync(weights);
        symlinkSync('/etc/passwd', weights);
        break;
      case 'FIFO':
        rmSync(weights);
        execFileSync('mkfifo', [weights]);
        break;
      case 'link to /dev/zero':
        rmSync(weights);
        symlinkSync('/dev/zero', weights);
        break;
      case 'directory':
        rmSync(weights);
        mkdirSync(weights);
        break;
      case 'missing':
        rmSync(weights);
        break;
      case 'length off by one':
        setExternalEntry(dir, r, 'length', (old) => String(Number(old) + r.pick([-1, 1])));
        break;
      case 'offset past the end':
        setExternalEntry(dir, r, 'offset', () => String(2 ** 40));
        break;
      case 'link loop':
        rmSync(weights);
        symlinkSync('loop.bin', weights);
        symlinkSync('weights.bin', join(dir, 'loop.bin'));
        break;
      case 'link inside the folder':
        mkdirSync(join(dir, 'data'));
        renameSync(weights, join(dir, 'data', 'weights.bin'));
        symlinkSync(join('data', 'weights.bin'), weights);
        break;
      case 'huge length':
        setExternalEntry(dir, r, 'length', () => '99999999999999999999');
        break;
      case 'not a number':
        setExternalEntry(dir, r, 'offset', () => '0x10');
        break;
    }
    return how;
  }],
];

const TOTAL_WEIGHT = MUTATIONS.reduce((sum, [, weight]) => sum + weight, 0);

/** Writes one seeded mutant of a fixture into `dir` (with the fixture's config files beside it). */
export function writeModelMutant(dir: string, random: Random): { kind: string; detail: string; fixture: string } {
  const fixture = random.pick(MODELS);
  for (const name of ['config.json', 'preprocessor_config.json']) {
    copyFileSync(join(FIXTURES, 'models', fixture, name), join(dir, name));
  }
  let roll = random.next() * TOTAL_WEIGHT;
  const [kind, , mutate] = MUTATIONS.find(([, weight]) => (roll -= weight) < 0) ?? MUTATIONS[0]!;
  const detail = mutate(dir, random, readFileSync(modelPath(fixture)), fixture);
  return { kind, detail, fixture };
}
