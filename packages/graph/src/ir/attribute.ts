import type { Graph } from './graph.js';
import type { Tensor } from './tensor.js';

export enum AttributeKind {
  FLOAT = 1,
  INT = 2,
  STRING = 3,
  TENSOR = 4,
  GRAPH = 5,
  FLOATS = 6,
  INTS = 7,
  STRINGS = 8,
  TENSORS = 9,
  GRAPHS = 10,
  SPARSE_TENSOR = 11,
  SPARSE_TENSORS = 12,
  TYPE_PROTO = 13,
  TYPE_PROTOS = 14,
}

/** int64 attributes are numbers when exact, bigints beyond 2^53 (INT64_MAX in Slice, say). */
export type Int = number | bigint;

export type AttributeValue =
  | { kind: AttributeKind.FLOAT; value: number }
  | { kind: AttributeKind.INT; value: Int }
  | { kind: AttributeKind.STRING; value: Uint8Array }
  | { kind: AttributeKind.TENSOR; value: Tensor }
  | { kind: AttributeKind.GRAPH; value: Graph }
  | { kind: AttributeKind.FLOATS; value: number[] }
  | { kind: AttributeKind.INTS; value: Int[] }
  | { kind: AttributeKind.STRINGS; value: Uint8Array[] }
  | { kind: AttributeKind.TENSORS; value: Tensor[] }
  | { kind: AttributeKind.GRAPHS; value: Graph[] }
  // Sparse tensors and type protos are rare in inference graphs: carried as decoded protobuf.
  | { kind: AttributeKind.SPARSE_TENSOR; value: unknown }
  | { kind: AttributeKind.SPARSE_TENSORS; value: unknown[] }
  | { kind: AttributeKind.TYPE_PROTO; value: unknown }
  | { kind: AttributeKind.TYPE_PROTOS; value: unknown[] };

export type Attribute = AttributeValue & {
  readonly name: string;
  docString?: string;
  /** In function bodies: the name of the function attribute this one refers to. */
  refAttrName?: string;
};

const textDecoder = new TextDecoder();
const textEncoder = new TextEncoder();

export function decodeText(bytes: Uint8Array): string {
  return textDecoder.decode(bytes);
}

export function encodeText(text: string): Uint8Array {
  return textEncoder.encode(text);
}

/** Builders for the attributes passes create most. */
export const attr = {
  int: (name: string, value: Int): Attribute => ({ name, kind: AttributeKind.INT, value }),
  ints: (name: string, value: Int[]): Attribute => ({ name, kind: AttributeKind.INTS, value }),
  float: (name: string, value: number): Attribute => ({ name, kind: AttributeKind.FLOAT, value }),
  floats: (name: string, value: number[]): Attribute => ({
    name,
    kind: AttributeKind.FLOATS,
    value,
  }),
  string: (name: string, value: string): Attribute => ({
    name,
    kind: AttributeKind.STRING,
    value: encodeText(value),
  }),
  tensor: (name: string, value: Tensor): Attribute => ({ name, kind: AttributeKind.TENSOR, value }),
};
