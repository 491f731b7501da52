import { realpathSync } from 'node:fs';
import { isAbsolute, join, normalize, sep } from 'node:path';
import { VitOptError, type VitOptErrorCode } from '../errors.js';
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
import { Tensor, type ExternalLocation } from '../ir/tensor.js';
import { describeFsError } from './atomic-write.js';
import { checkExternalFile } from './external-file.js';
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
import {
  LOAD_CHECKS,
  validateModel,
  validationError,
  type ValidationIssue,
} from '../passes/validate.js';
import { describeNonOnnx } from './sniff.js';
import { scanWireFormat } from './unknown-fields.js';

export interface DecodeOptions {
  /** Folder that external data locations are relative to (the model's folder). */
  baseDir?: string;
  /** Names the input in error messages (the file path). */
  source?: string;
  /**
   * Check the graph's structure (validateModel's LOAD_CHECKS) and refuse a broken one with one
   * line naming the node or tensor (default true). For experts only: with false a model whose
   * nodes read values nothing defines, or that has a cycle, loads, and every pass may fail on it.
   */
  validate?: boolean;
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
  const wire = scanWireFormat(bytes);
  if (wire.problem !== undefined) {
    throw new VitOptError('CORRUPT', `not a valid ONNX model (protobuf: ${wire.problem})`, {
      subject,
    });
  }
  if (proto.graph === null || proto.graph === undefined) {
    throw new VitOptError('NOT_ONNX', 'not an ONNX model: it has no graph', { subject });
  }
  const context: Context = { baseDir: options.baseDir, subject, issues: [] };
  const model = modelFromProto(proto, context);
  model.unknownFields = wire.unknownFields;
  if (options.validate !== false) {
    const issues = [...context.issues, ...validateModel(model, LOAD_CHECKS)];
    if (issues.length > 0) throw validationError(issues, subject);
  }
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
  return tensorFromProto(proto, {
    baseDir: options.baseDir,
    subject: options.source ?? 'tensor',
    issues: [],
  });
}

interface Context {
  baseDir: string | undefined;
  subject: string;
  /** What the IR cannot represent (a name given to two initializers), for validation. */
  issues: ValidationIssue[];
  /** baseDir with symbolic links resolved, once a tensor needs it. */
  externalRoot?: string;
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

  for (const info of proto.input) {
    if (info.name === '') {
      context.issues.push({
        subject: `graph '${graph.name}'`,
        message: 'a graph input has no name',
      });
    }
    graph.inputs.push(declare(graph, info, false, context));
  }
  for (const t of proto.initializer) {
    if (t.name === '') {
      context.issues.push({
        subject: `graph '${graph.name}'`,
        message: 'an initializer has no name',
      });
    }
    const value = graph._defineValue(t.name);
    if (value.initializer !== undefined) {
      context.issues.push({
        subject: `initializer '${t.name}'`,
        message: 'the name is given to two initializers',
      });
    }
    graph.setInitializer(value, tensorFromProto(t, context));
  }
  for (const info of proto.valueInfo) declare(graph, info, true, context);

  // Outputs are defined before inputs are connected, so an unsorted graph still links up.
  const nodes = proto.node.map((n) => {
    const node = new Node(n.opType, n.domain, n.name);
    node.overload = n.overload;
    node.docString = n.docString;
    node.metadataProps = entriesToMap(n.metadataProps);
    node.deviceConfigurations = n.deviceConfigurations;
    n.output.forEach((name, i) =>
      node._setOutput(i, name === '' ? undefined : graph._defineValue(name)),
    );
    graph._appendImportedNode(node);
    return node;
  });
  proto.node.forEach((n, k) => {
    const node = nodes[k]!;
    n.input.forEach((name, i) => {
      if (name !== '') node.setInput(i, graph.value(name) ?? graph._defineValue(name));
    });
    // Empty names between real inputs are omitted optional inputs, kept as holes.
    for (const a of n.attribute) {
      if (node.attributes.has(a.name)) {
        context.issues.push({
          subject: node.describe(),
          message: `attribute '${a.name}' is given twice`,
        });
      }
      node.setAttribute(attributeFromProto(a, node, graph, context));
    }
  });
  for (const info of proto.output) {
    const value = graph.value(info.name) ?? graph._defineValue(info.name);
    applyValueInfo(value, info, context);
    graph.outputs.push(value);
  }
  return graph;
}

function declare(
  graph: Graph,
  info: ValueInfoProto,
  declared: boolean,
  context: Context,
): ReturnType<Graph['_defineValue']> {
  const value = graph._defineValue(info.name);
  applyValueInfo(value, info, context);
  if (declared) value.declared = true;
  return value;
}

function applyValueInfo(
  value: ReturnType<Graph['_defineValue']>,
  info: ValueInfoProto,
  context: Context,
): void {
  value.type = typeFromProto(info.type);
  const elemType = value.type?.kind === 'tensor' ? value.type.elemType : DataType.UNDEFINED;
  if (elemType !== DataType.UNDEFINED && !isKnownDataType(elemType)) {
    context.issues.push({
      subject: `value '${info.name}'`,
      message: `element type ${elemType} is not an ONNX element type`,
    });
  }
  value.docString = info.docString;
  value.metadataProps = entriesToMap(info.metadataProps);
}

export function typeFromProto(type: TypeProto | null | undefined): ValueType | undefined {
  if (type === null || type === undefined) return undefined;
  const tensor = type.tensorType;
  if (type.value === 'tensorType' && tensor !== null && tensor !== undefined) {
    const dims = tensor.shape?.dim;
    const shape: Dim[] | undefined = dims?.map((d) =>
      d.value === 'dimValue'
        ? int64ToNumber(d.dimValue)
        : d.value === 'dimParam'
          ? d.dimParam!
          : null,
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

function attributeFromProto(
  a: AttributeProto,
  node: Node,
  graph: Graph,
  context: Context,
): Attribute {
  // A corrupt file can declare a type and leave out the field that holds the value.
  const present = <T>(value: T | null | undefined, what: string): T => {
    if (value !== null && value !== undefined) return value;
    throw new VitOptError(
      'CORRUPT',
      `attribute '${a.name}' of ${node.describe()} is declared a ${what} but holds none`,
      { subject: context.subject },
    );
  };
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
      return {
        ...common,
        kind: AttributeKind.TENSOR,
        value: tensorFromProto(present(a.t, 'tensor'), context),
      };
    case AttributeType.GRAPH:
      return {
        ...common,
        kind: AttributeKind.GRAPH,
        value: graphFromProto(present(a.g, 'graph'), graph, context),
      };
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
      return {
        ...common,
        kind: AttributeKind.SPARSE_TENSOR,
        value: present(a.sparseTensor, 'sparse tensor'),
      };
    case AttributeType.SPARSE_TENSORS:
      return { ...common, kind: AttributeKind.SPARSE_TENSORS, value: a.sparseTensors };
    case AttributeType.TYPE_PROTO:
      return { ...common, kind: AttributeKind.TYPE_PROTO, value: present(a.tp, 'type') };
    case AttributeType.TYPE_PROTOS:
      return { ...common, kind: AttributeKind.TYPE_PROTOS, value: a.typeProtos };
    default:
      throw new VitOptError(
        'CORRUPT',
        `attribute '${a.name}' of ${node.describe()} has unknown type ${a.type}`,
        { subject: context.subject },
      );
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
  const refuse = (code: VitOptErrorCode, message: string): VitOptError =>
    new VitOptError(code, `tensor '${t.name}': ${message}`, { subject: context.subject });
  const dims = t.dims.map(int64ToNumber);
  const bad = dims.find((d) => !Number.isSafeInteger(d) || d < 0);
  if (bad !== undefined)
    throw refuse('CORRUPT', `dimension ${bad} is not a size (a whole number ≥ 0)`);
  const count = elementCountOf(dims);
  if (!Number.isSafeInteger(count)) {
    throw refuse('CORRUPT', `dims [${dims.join(',')}] hold more elements than any file can`);
  }
  if (!isKnownDataType(t.dataType))
    throw refuse('UNSUPPORTED', `unknown element type ${t.dataType}`);
  if (t.dataType === DataType.UNDEFINED) throw refuse('CORRUPT', 'the element type is not set');
  if (t.segment) throw refuse('UNSUPPORTED', 'segmented tensors are not supported');
  const dtype = t.dataType as DataType;
  const init = {
    name: t.name,
    dtype,
    dims,
    docString: t.docString,
    metadataProps: entriesToMap(t.metadataProps),
  };
  const location = t.dataLocation ?? 0;
  if (location !== 0 && location !== 1) {
    throw refuse('CORRUPT', `data_location ${location} is neither DEFAULT (0) nor EXTERNAL (1)`);
  }
  if (location === 1) return Tensor.external(init, externalLocation(t, dtype, count, context));
  if (dtype === DataType.STRING) {
    if (t.stringData.length !== count) {
      throw refuse(
        'CORRUPT',
        `holds ${t.stringData.length} strings but string[${dims.join(',')}] needs ${count}`,
      );
    }
    return Tensor.fromStrings(init, [...t.stringData]);
  }
  const expected = byteLengthOf(dtype, count);
  // protobufjs leaves an absent bytes field as its default, a plain empty array.
  const raw = t.rawData instanceof Uint8Array ? t.rawData : new Uint8Array(0);
  const bytes = raw.byteLength > 0 || count === 0 ? raw : typedFieldData(t, dtype);
  if (bytes === undefined)
    throw refuse('CORRUPT', `${dataTypeName(dtype)}[${dims.join(',')}] has no data`);
  if (bytes.byteLength !== expected) {
    throw refuse(
      'CORRUPT',
      `holds ${bytes.byteLength} bytes but ${dataTypeName(dtype)}[${dims.join(',')}] needs ${expected}`,
    );
  }
  return Tensor.fromBytes(init, bytes);
}

/** The bytes of the float_data / int32_data / int64_data / double_data / uint64_data forms. */
function typedFieldData(t: TensorProto, dtype: DataType): Uint8Array | undefined {
  const bytesOf = (a: ArrayBufferView): Uint8Array =>
    new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
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
        ? bytesOf(
            Uint32Array.from(t.uint64Data, (v) => Number(BigInt.asUintN(32, int64ToBigInt(v)))),
          )
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

function externalLocation(
  t: TensorProto,
  dtype: DataType,
  count: number,
  context: Context,
): ExternalLocation {
  const refuse = (message: string, cause?: unknown): VitOptError =>
    new VitOptError('EXTERNAL_DATA', `tensor '${t.name}': ${message}`, {
      subject: context.subject,
      ...(cause === undefined ? {} : { cause }),
    });
  const entries = entriesToMap(t.externalData);
  const location = entries.get('location');
  if (location === undefined || location === '') throw refuse('external data without a location');
  if (context.baseDir === undefined) {
    throw refuse(`the model keeps this tensor in '${location}' but was not loaded from a file`);
  }
  // A model must not make us read files outside its own folder.
  const normalized = normalize(location);
  if (
    isAbsolute(location) ||
    location.includes('\0') ||
    normalized === '..' ||
    normalized.startsWith(`..${sep}`)
  ) {
    throw refuse(`external data location '${location}' points outside the model's folder`);
  }
  const byteCount = (key: string, fallback: number): number => {
    const text = entries.get(key);
    if (text === undefined) return fallback;
    const value = /^\d{1,16}$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(value))
      throw refuse(`external data ${key} '${text}' is not a byte count`);
    return value;
  };
  if (dtype === DataType.STRING) throw refuse('string tensors cannot be kept in external data');
  const expected = byteLengthOf(dtype, count);
  const offset = byteCount('offset', 0);
  const length = byteCount('length', expected);
  if (length !== expected) {
    throw refuse(
      `external data length ${length} disagrees with ${dataTypeName(dtype)}[${t.dims.map(int64ToNumber).join(',')}] (${expected} bytes)`,
    );
  }
  let root: string;
  try {
    root = context.externalRoot ??= realpathSync(context.baseDir);
  } catch (error) {
    throw refuse(`cannot resolve the model's folder (${describeFsError(error)})`, error);
  }
  const path = checkExternalFile(join(root, normalized), root, offset + length, location, refuse);
  const extra = t.externalData.filter((e) => !['location', 'offset', 'length'].includes(e.key));
  return {
    path,
    location,
    offset,
    length,
    root,
    extra: extra.map((e) => ({ key: e.key, value: e.value })),
  };
}

function entriesToMap(entries: readonly StringStringEntryProto[]): Map<string, string> {
  return new Map(entries.map((e) => [e.key, e.value]));
}
