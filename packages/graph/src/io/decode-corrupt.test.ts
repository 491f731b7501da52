import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { VitOptError } from '../errors.js';
import { summarizeModel } from '../summary/model-summary.js';
import { decodeModel } from './decode.js';
import { encodeModel } from './encode.js';
import { onnxType } from './proto.js';

const fixture = readFileSync(
  fileURLToPath(new URL('../../../../fixtures/models/vit-tiny-hf/model.onnx', import.meta.url)),
);
/** The node section of the fixture: the weights follow it from about byte 90,000. */
const GRAPH_BYTES = 95_000;

/** mulberry32: the same mutants on every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The fixture with flipped bits, random bytes or an overwritten block in its graph part. */
function mutant(seed: number): Uint8Array {
  const next = random(seed);
  const bytes = Uint8Array.from(fixture);
  const at = () => Math.floor(next() * GRAPH_BYTES);
  switch (seed % 3) {
    case 0:
      for (let i = 0; i < 10; i++) bytes[at()]! ^= 1 << Math.floor(next() * 8);
      break;
    case 1:
      // Three regions of random bytes, 100 in all: the kind of mutant that found a decode path
      // reading a field the file did not have.
      for (let region = 0; region < 3; region++) {
        const start = at();
        for (let i = 0; i < 33; i++) bytes[start + i] = Math.floor(next() * 256);
      }
      break;
    default: {
      const start = at();
      bytes.fill(Math.floor(next() * 256), start, start + Math.floor(next() * 64));
    }
  }
  return bytes;
}

/** Decodes and uses the model; returns 'ok' or the error's one line, and throws anything else. */
function outcome(bytes: Uint8Array): string {
  try {
    const model = decodeModel(bytes, { source: 'mutant.onnx' });
    summarizeModel(model);
    encodeModel(model);
    return 'ok';
  } catch (error) {
    if (!(error instanceof VitOptError)) throw error;
    return error.toOneLine();
  }
}

interface ProtoModel {
  graph: {
    node: Array<{ opType: string; name: string; attribute: Array<{ name: string; t: unknown }> }>;
  };
}

function editedFixture(edit: (model: ProtoModel) => void): Uint8Array {
  const type = onnxType('ModelProto');
  const model = type.decode(fixture) as unknown as ProtoModel;
  edit(model);
  return type.encode(model as never).finish();
}

describe('decoding corrupt models', () => {
  it('refuses an attribute declared a tensor that holds none, naming it (was "Cannot read properties of null")', () => {
    const bytes = editedFixture((model) => {
      const constant = model.graph.node.find((n) => n.opType === 'Constant')!;
      constant.attribute[0]!.t = null;
    });
    expect(outcome(bytes)).toMatch(
      /^mutant\.onnx: attribute 'value' of Constant node '[^']+' is declared a tensor but holds none$/,
    );
  });

  it('refuses a field whose wire type is not its type’s, as onnxruntime’s parser does', () => {
    // ModelProto.producer_name (field 2, a string) written as a varint: protobufjs reads it as
    // an empty string, protobuf's own parser refuses the file.
    const bytes = new Uint8Array([...fixture, 0x10, 0x00]);
    expect(outcome(bytes)).toBe(
      "mutant.onnx: not a valid ONNX model (protobuf: ModelProto: field 'producerName' (#2) has wire type 0, its type is written with 2)",
    );
  });

  it('never fails on a seeded mutant with anything but one VitOptError line', () => {
    const results = new Map<string, number>();
    for (let seed = 1; seed <= 150; seed++) {
      const line = outcome(mutant(seed));
      expect(line).not.toContain('\n');
      const kind = line === 'ok' ? 'ok' : 'refused';
      results.set(kind, (results.get(kind) ?? 0) + 1);
    }
    // Most graph mutants are refused; some flip only a doc string or a weight, and load.
    expect(results.get('refused')).toBeGreaterThan(75);
  });
});
