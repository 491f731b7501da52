import protobuf from 'protobufjs';
import Long from 'long';
import { ONNX_PROTO_SCHEMA } from './onnx-schema.js';

// int64 fields must survive load→save exactly (Slice ends of INT64_MAX, for example): with `long`
// configured, protobufjs hands them over as Long instead of lossy doubles.
protobuf.util.Long = Long;
protobuf.configure();

/** An int64 as protobufjs decodes it (a Long) or as we hand it back for encoding. */
export type Int64 = number | bigint | Long;

/** Plain shapes of the decoded protobuf messages; only fields vit-opt reads are typed. */
export interface StringStringEntryProto {
  key: string;
  value: string;
}
export interface OperatorSetIdProto {
  domain: string;
  version: Int64;
}
export interface TensorShapeDimensionProto {
  dimValue?: Int64 | null;
  dimParam?: string | null;
  denotation?: string;
  value?: 'dimValue' | 'dimParam';
}
export interface TypeProto {
  tensorType?: { elemType: number; shape?: { dim: TensorShapeDimensionProto[] } | null } | null;
  sequenceType?: { elemType?: TypeProto | null } | null;
  mapType?: { keyType: number; valueType?: TypeProto | null } | null;
  optionalType?: { elemType?: TypeProto | null } | null;
  sparseTensorType?: { elemType: number; shape?: { dim: TensorShapeDimensionProto[] } | null } | null;
  opaqueType?: { domain: string; name: string } | null;
  denotation?: string;
  value?: string;
}
export interface ValueInfoProto {
  name: string;
  type?: TypeProto | null;
  docString: string;
  metadataProps: StringStringEntryProto[];
}
export interface TensorProto {
  dims: Int64[];
  dataType: number;
  segment?: { begin: Int64; end: Int64 } | null;
  floatData: number[];
  int32Data: number[];
  stringData: Uint8Array[];
  int64Data: Int64[];
  name: string;
  docString: string;
  rawData: Uint8Array;
  externalData: StringStringEntryProto[];
  dataLocation?: number | null;
  doubleData: number[];
  uint64Data: Int64[];
  metadataProps: StringStringEntryProto[];
}
export interface SparseTensorProto {
  values?: TensorProto | null;
  indices?: TensorProto | null;
  dims: Int64[];
}
export interface AttributeProto {
  name: string;
  refAttrName: string;
  docString: string;
  type: number;
  f?: number | null;
  i?: Int64 | null;
  s?: Uint8Array | null;
  t?: TensorProto | null;
  g?: GraphProto | null;
  sparseTensor?: SparseTensorProto | null;
  tp?: TypeProto | null;
  floats: number[];
  ints: Int64[];
  strings: Uint8Array[];
  tensors: TensorProto[];
  graphs: GraphProto[];
  sparseTensors: SparseTensorProto[];
  typeProtos: TypeProto[];
}
export interface NodeProto {
  input: string[];
  output: string[];
  name: string;
  opType: string;
  domain: string;
  overload: string;
  attribute: AttributeProto[];
  docString: string;
  metadataProps: StringStringEntryProto[];
  deviceConfigurations: unknown[];
}
export interface GraphProto {
  node: NodeProto[];
  name: string;
  initializer: TensorProto[];
  sparseInitializer: SparseTensorProto[];
  docString: string;
  input: ValueInfoProto[];
  output: ValueInfoProto[];
  valueInfo: ValueInfoProto[];
  quantizationAnnotation: unknown[];
  metadataProps: StringStringEntryProto[];
}
export interface FunctionProto {
  name: string;
  domain: string;
  overload: string;
  node: NodeProto[];
  opsetImport: OperatorSetIdProto[];
  [field: string]: unknown;
}
export interface ModelProto {
  irVersion: Int64;
  opsetImport: OperatorSetIdProto[];
  producerName: string;
  producerVersion: string;
  domain: string;
  modelVersion?: Int64 | null;
  docString: string;
  graph?: GraphProto | null;
  metadataProps: StringStringEntryProto[];
  trainingInfo: unknown[];
  functions: FunctionProto[];
  configuration: unknown[];
}

export const AttributeType = {
  UNDEFINED: 0,
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
  SPARSE_TENSOR: 11,
  SPARSE_TENSORS: 12,
  TYPE_PROTO: 13,
  TYPE_PROTOS: 14,
} as const;

let root: protobuf.Root | undefined;

/** The message types, parsed once on first use. */
export function onnxType(name: string): protobuf.Type {
  root ??= protobuf.parse(ONNX_PROTO_SCHEMA, { keepCase: false }).root;
  return root.lookupType(`onnx.${name}`);
}

export function int64ToNumber(value: Int64 | null | undefined): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  return value.toNumber();
}

/** Exact int64 as bigint: for values that may exceed 2^53. */
export function int64ToBigInt(value: Int64 | null | undefined): bigint {
  if (value === null || value === undefined) return 0n;
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return BigInt(value);
  return (BigInt(value.high) << 32n) | BigInt(value.low >>> 0);
}

/** A number when it is exactly representable, else the bigint. */
export function int64ToExact(value: Int64 | null | undefined): number | bigint {
  const big = int64ToBigInt(value);
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(big)
    : big;
}

/** What protobufjs takes for an int64 field when encoding. */
export function toLong(value: number | bigint, unsigned = false): Long {
  if (typeof value === 'number') return Long.fromNumber(value, unsigned);
  return Long.fromString(value.toString(), unsigned);
}
