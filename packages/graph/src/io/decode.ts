import { isAbsolute, normalize, resolve, sep } from 'node:path';
import { VitOptError } from '../errors.js';
import { AttributeKind, type Attribute } from '../ir/attribute.js';
import {
  DataType,
  byteLengthOf,
  dataTypeName,
  elementCountOf,
  isKnownDataType,
} from '../ir/dtype.js';
import { Graph } from '../ir/graph.js';
import { Model } from '../ir/model.js';
import { Node } from '../ir/node.js';
import { Tensor } from '../ir/tensor.js';
import type { Dim, ValueType } from '../ir/value.js';
import {
  AttributeType,
  int64ToBigInt,
  int64ToExact,
  int64ToNumber,
  onnxType,
  type AttributeProto,
  type GraphProto,
  type ModelProto,
  type StringStringEntryProto,
  type TensorProto,
  type TypeProto,
  type ValueInfoProto,
} from './proto.js';
import { describeNonOnnx } from './sniff.js';
import { findUnknownFields } from './unknown-fields.js';

export interface DecodeOptions {
  /** Folder that external data locations are relative to (the model's folder). */
  baseDir?: string;
  /** Names the input in error messages (the file path). */
  source?: string;
}

/** Decodes ONNX bytes into the editable IR. Tensor bytes stay views into `bytes`. */
export function decodeModel(bytes: Uint8Array, options: DecodeOptions = {}): Model {
  const subject = options.source ?? 'model';
  if (bytes.byteLength === 0) {
    throw new VitOptError('EMPTY_FILE', 'the file is empty, not an ONNX model', { subject });
  }
  const notOnnx = describeNonOnnx(bytes);
  if (notOnnx !== undefined) {
    throw new VitOptError('NOT_ONNX', `not an ONNX model: the file looks like ${notOnnx}`, {
      subject,
    });
  }
  const proto = decodeModelProto(bytes, subject);
  if (proto.graph === null || proto.graph === undefined) {
    throw new VitOptError('NOT_ONNX', 'not an ONNX model: it has no graph', { subject });
  }
  const model = modelFromProto(proto, { baseDir: options.baseDir, subject });
  model.unknownFields = findUnknownFields(bytes);
  return model;
}

export function decodeModelProto(bytes: Uint8Array, subject = 'model'): ModelProto {
  try {
    return onnxType('ModelProto').decode(bytes) as unknown as ModelProto;
  } catch (error) {
    const message = (error as Error).message;
    if (/index out of range/i.test(message)) {
      throw new VitOptError(
        'TRUNCATED',
        `the file is truncated (it ends inside a protobuf field; an incomplete download or copy?)`,
        { subject, cause: error },
      );
    }
    throw new VitOptError('CORRUPT', `not a valid ONNX model (protobuf: ${message})`, {
      subject,
      cause: error,
    });
  }
}

/** Decodes one TensorProto (the backend test suite's input_N.pb / output_N.pb files). */
export function decodeTensor(bytes: Uint8Array, options: DecodeOptions = {}): Tensor {
  let proto: TensorProto;
  try {
    proto = onnxType('TensorProto').decode(bytes) as unknown as TensorProto;
  } catch (error) {
    throw new VitOptError('CORRUPT', `not a valid TensorProto (${(error as Error).message})`, {
      subject: options.source,
      cause: error,
    });
  }
  return tensorFromProto(proto, { baseDir: options.baseDir, subject: options.source ?? 'tensor' });
}

interface Context {
  baseDir: string | undefined;
  subject: string;
}

function modelFromProto(proto: ModelProto, context: Context): Model {
  const opsets = new Map<string, number>();
  for (const o of proto.opsetImport) opsets.set(o.domain, int64ToNumber(o.version));
  const model = new Model({ irVersion: int64ToNumber(proto.irVersion), opsetImports: opsets });
  model.producerName = proto.producerName;
  model.producerVersion = proto.producerVersion;
  model.domain = proto.domain;
  model.modelVersion =
    proto.modelVersion === null || proto.modelVersion === undefined
      ? undefined
      : int64ToExact(proto.modelVersion);
  model.docString = proto.docString;
  model.metadataProps = entriesToMap(proto.metadataProps);
  model.functions = proto.functions;
  model.trainingInfo = proto.trainingInfo;
  model.configuration = proto.configuration;
  model.graph = graphFromProto(proto.graph!, undefined, context);
  return model;
}

function graphFromProto(proto: GraphProto, parent: Graph | undefined, context: Context): Graph {
  const graph = new Graph({ name: proto.name, parent });
  graph.docString = proto.docString;
  graph.metadataProps = entriesToMap(proto.metadataProps);
  graph.sparseInitializers = proto.sparseInitializer;
  graph.quantizationAnnotation = proto.quantizationAnnotation;

  for (const info of proto.input) graph.inputs.push(declare(graph, info, false));
  for (const t of proto.initializer) {
    const value = graph._defineValue(t.name);
    graph.setInitializer(value, tensorFromProto(t, context));
  }
  for (const info of proto.valueInfo) declare(graph, info, true);

  // Outputs are defined before inputs are connected, so an unsorted graph still links up.
  const nodes = proto.node.map((n) => {
    const node = new Node(n.opType, n.domain, n.name);
    node.overload = n.overload;
    node.docString = n.docString;
    node.metadataProps = entriesToMap(n.metadataProps);
    node.deviceConfigurations = n.deviceConfigurations;
    n.output.forEach((name, i) => node._setOutput(i, name === '' ? undefined : graph._defineValue(name)));
    graph._appendImportedNode(node);
    return node;
  });
  proto.node.forEach((n, k) => {
    const node = nodes[k]!;
    n.input.forEach((name, i) => {
      if (name !== '') node.setInput(i, graph.value(name) ?? graph._defineValue(name));
    });
    // Empty names between real inputs are omitted optional inputs, kept as holes.
    for (const a of n.attribute) node.setAttribute(attributeFromProto(a, graph, context));
  });
  for (const info of proto.output) {
    const value = graph.value(info.name) ?? graph._defineValue(info.name);
    applyValueInfo(value, info);
    graph.outputs.push(value);
  }
  return graph;
}

function declare(graph: Graph, info: ValueInfoProto, declared: boolean): ReturnType<Graph['_defineValue']> {
  const value = graph._defineValue(info.name);
  applyValueInfo(value, info);
  if (declared) value.declared = true;
  return value;
}

function applyValueInfo(value: ReturnType<Graph['_defineValue']>, info: ValueInfoProto): void {
  value.type = typeFromProto(info.type);
  value.docString = info.docString;
  value.metadataProps = entriesToMap(info.metadataProps);
}

export function typeFromProto(type: TypeProto | null | undefined): ValueType | undefined {
  if (type === null || type === undefined) return undefined;
  const tensor = type.tensorType;
  if (type.value === 'tensorType' && tensor !== null && tensor !== undefined) {
    const dims = tensor.shape?.dim;
    const shape: Dim[] | undefined = dims?.map((d) =>
      d.value === 'dimValue' ? int64ToNumber(d.dimValue) : d.value === 'dimParam' ? d.dimParam! : null,
    );
    const denotations = dims?.map((d) => (d.denotation === '' ? undefined : d.denotation));
    return {
      kind: 'tensor',
      elemType: tensor.elemType as DataType,
      ...(shape === undefined ? {} : { shape }),
      ...(type.denotation ? { denotation: type.denotation } : {}),
      ...(denotations?.some((d) => d !== undefined) ? { dimDenotations: denotations } : {}),
    };
  }
  return { kind: 'other', proto: type };
}

function attributeFromProto(a: AttributeProto, graph: Graph, context: Context): Attribute {
  const common = {
    name: a.name,
    ...(a.docString ? { docString: a.docString } : {}),
    ...(a.refAttrName ? { refAttrName: a.refAttrName } : {}),
  };
  const type = a.type === AttributeType.UNDEFINED ? inferAttributeType(a) : a.type;
  switch (type) {
    case AttributeType.FLOAT:
      return { ...common, kind: AttributeKind.FLOAT, value: a.f ?? 0 };
    case AttributeType.INT:
      return { ...common, kind: AttributeKind.INT, value: int64ToExact(a.i) };
    case AttributeType.STRING:
      return {
        ...common,
        kind: AttributeKind.STRING,
        value: a.s instanceof Uint8Array ? a.s : new Uint8Array(0),
      };
    case AttributeType.TENSOR:
      return { ...common, kind: AttributeKind.TENSOR, value: tensorFromProto(a.t!, context) };
    case AttributeType.GRAPH:
      return { ...common, kind: AttributeKind.GRAPH, value: graphFromProto(a.g!, graph, context) };
    case AttributeType.FLOATS:
      return { ...common, kind: AttributeKind.FLOATS, value: [...a.floats] };
    case AttributeType.INTS:
      return { ...common, kind: AttributeKind.INTS, value: a.ints.map(int64ToExact) };
    case AttributeType.STRINGS:
      return { ...common, kind: AttributeKind.STRINGS, value: [...a.strings] };
    case AttributeType.TENSORS:
      return {
        ...common,
        kind: AttributeKind.TENSORS,
        value: a.tensors.map((t) => tensorFromProto(t, context)),
      };
    case AttributeType.GRAPHS:
      return {
        ...common,
        kind: AttributeKind.GRAPHS,
        value: a.graphs.map((g) => graphFromProto(g, graph, context)),
      };
    case AttributeType.SPARSE_TENSOR:
      return { ...common, kind: AttributeKind.SPARSE_TENSOR, value: a.sparseTensor };
    case AttributeType.SPARSE_TENSORS:
      return { ...common, kind: AttributeKind.SPARSE_TENSORS, value: a.sparseTensors };
    case AttributeType.TYPE_PROTO:
      return { ...common, kind: AttributeKind.TYPE_PROTO, value: a.tp };
    case AttributeType.TYPE_PROTOS:
      return { ...common, kind: AttributeKind.TYPE_PROTOS, value: a.typeProtos };
    default:
      throw new VitOptError('CORRUPT', `attribute '${a.name}' has unknown type ${a.type}`, {
        subject: context.subject,
      });
  }
}

/** IR version 1 models carry no attribute type: infer it from the field that is set. */
function inferAttributeType(a: AttributeProto): number {
  if (a.floats.length > 0) return AttributeType.FLOATS;
  if (a.ints.length > 0) return AttributeType.INTS;
  if (a.strings.length > 0) return AttributeType.STRINGS;
  if (a.tensors.length > 0) return AttributeType.TENSORS;
  if (a.graphs.length > 0) return AttributeType.GRAPHS;
  if (a.t) return AttributeType.TENSOR;
  if (a.g) return AttributeType.GRAPH;
  if (a.s !== null && a.s !== undefined) return AttributeType.STRING;
  if (a.i !== null && a.i !== undefined) return AttributeType.INT;
  if (a.f !== null && a.f !== undefined) return AttributeType.FLOAT;
  return AttributeType.UNDEFINED;
}

export function tensorFromProto(t: TensorProto, context: Context): Tensor {
  const dims = t.dims.map(int64ToNumber);
  const subject = `tensor '${t.name}'`;
  if (!isKnownDataType(t.dataType)) {
    throw new VitOptError('UNSUPPORTED', `unknown element type ${t.dataType}`, { subject });
  }
  if (t.segment) {
    throw new VitOptError('UNSUPPORTED', 'segmented tensors are not supported', { subject });
  }
  const dtype = t.dataType as DataType;
  const init = {
    name: t.name,
    dtype,
    dims,
    docString: t.docString,
    metadataProps: entriesToMap(t.metadataProps),
  };
  if (t.dataLocation === 1) return Tensor.external(init, externalLocation(t, context));
  if (dtype === DataType.STRING) return Tensor.fromStrings(init, [...t.stringData]);
  // protobufjs leaves an absent bytes field as its default, a plain empty array.
  const raw = t.rawData instanceof Uint8Array ? t.rawData : new Uint8Array(0);
  if (raw.byteLength > 0 || elementCountOf(dims) === 0) return Tensor.fromBytes(init, raw);
  const fromFields = typedFieldData(t, dtype);
  if (fromFields === undefined) {
    throw new VitOptError(
      'CORRUPT',
      `${dataTypeName(dtype)}[${dims.join(',')}] has no data`,
      { subject },
    );
  }
  return Tensor.fromBytes(init, fromFields);
}

/** The bytes of the float_data / int32_data / int64_data / double_data / uint64_data forms. */
function typedFieldData(t: TensorProto, dtype: DataType): Uint8Array | undefined {
  const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  switch (dtype) {
    case DataType.FLOAT:
    case DataType.COMPLEX64:
      return t.floatData.length > 0 ? bytesOf(Float32Array.from(t.floatData)) : undefined;
    case DataType.DOUBLE:
    case DataType.COMPLEX128:
      return t.doubleData.length > 0 ? bytesOf(Float64Array.from(t.doubleData)) : undefined;
    case DataType.INT64:
      return t.int64Data.length > 0
        ? bytesOf(BigInt64Array.from(t.int64Data, int64ToBigInt))
        : undefined;
    case DataType.UINT64:
      return t.uint64Data.length > 0
        ? bytesOf(BigUint64Array.from(t.uint64Data, (v) => BigInt.asUintN(64, int64ToBigInt(v))))
        : undefined;
    case DataType.UINT32:
      return t.uint64Data.length > 0
        ? bytesOf(Uint32Array.from(t.uint64Data, (v) => Number(BigInt.asUintN(32, int64ToBigInt(v)))))
        : undefined;
    case DataType.INT32:
      return t.int32Data.length > 0 ? bytesOf(Int32Array.from(t.int32Data)) : undefined;
    case DataType.INT16:
      return t.int32Data.length > 0 ? bytesOf(Int16Array.from(t.int32Data)) : undefined;
    case DataType.UINT16:
    case DataType.FLOAT16:
    case DataType.BFLOAT16:
      return t.int32Data.length > 0 ? bytesOf(Uint16Array.from(t.int32Data)) : undefined;
    default:
      // int8, uint8, bool, float8 and the packed 4-/2-bit types: one (packed) byte per int32.
      return t.int32Data.length > 0 ? Uint8Array.from(t.int32Data, (v) => v & 0xff) : undefined;
  }
}

function externalLocation(t: TensorProto, context: Context) {
  const subject = `tensor '${t.name}'`;
  const entries = entriesToMap(t.externalData);
  const location = entries.get('location');
  if (location === undefined || location === '') {
    throw new VitOptError('EXTERNAL_DATA', 'external data without a location', { subject });
  }
  if (context.baseDir === undefined) {
    throw new VitOptError(
      'EXTERNAL_DATA',
      `the model keeps this tensor in '${location}' but was not loaded from a file`,
      { subject },
    );
  }
  // A model must not make us read files outside its own folder.
  const normalized = normalize(location);
  if (isAbsolute(location) || normalized === '..' || normalized.startsWith(`..${sep}`)) {
    throw new VitOptError(
      'EXTERNAL_DATA',
      `external data location '${location}' points outside the model's folder`,
      { subject },
    );
  }
  const offset = Number(entries.get('offset') ?? 0);
  const lengthEntry = entries.get('length');
  const count = elementCountOf(t.dims.map(int64ToNumber));
  const length =
    lengthEntry === undefined ? byteLengthOf(t.dataType as DataType, count) : Number(lengthEntry);
  const extra = t.externalData.filter((e) => !['location', 'offset', 'length'].includes(e.key));
  return {
    path: resolve(context.baseDir, normalized),
    location,
    offset,
    length,
    extra: extra.map((e) => ({ key: e.key, value: e.value })),
  };
}

function entriesToMap(entries: readonly StringStringEntryProto[]): Map<string, string> {
  return new Map(entries.map((e) => [e.key, e.value]));
}
