import protobuf from 'protobufjs';
import { onnxType } from '../../packages/graph/src/io/proto.js';
import { tensorPayload, toBigInt, type TensorProtoData } from './tensor-payload.js';

/**
 * A decoded ONNX message reduced to what it means, so two models can be compared field by field:
 * int64s become decimal strings, enums numbers, bytes Uint8Arrays; a scalar that equals its proto3
 * default counts as absent, a sub-message that is present counts even when empty (a tensor shape
 * with no dimensions is a scalar, a missing one is an unknown rank).
 */
export type Canonical =
  | string
  | number
  | boolean
  | Uint8Array
  | readonly Canonical[]
  | { readonly [field: string]: Canonical };

type Message = Record<string, unknown>;
type CanonicalMessage = Record<string, Canonical>;

/** Tensor fields replaced by one `data` entry: the raw bytes, or the strings. */
const TENSOR_DATA_FIELDS = new Set([
  'rawData',
  'floatData',
  'doubleData',
  'int32Data',
  'int64Data',
  'uint64Data',
  'stringData',
]);

const STRING_TENSOR = 8;
const EXTERNAL_DATA_LOCATION = 1;
const ATTRIBUTE_TYPE_UNDEFINED = 0;
/** AttributeProto.AttributeType of the field an untyped attribute sets, in ONNX's order of checks. */
const TYPE_OF_ATTRIBUTE_FIELD: ReadonlyArray<[string, number]> = [
  ['floats', 6],
  ['ints', 7],
  ['strings', 8],
  ['tensors', 9],
  ['graphs', 10],
  ['t', 4],
  ['g', 5],
];
const TYPE_OF_OPTIONAL_ATTRIBUTE_FIELD: ReadonlyArray<[string, number]> = [
  ['s', 3],
  ['i', 2],
  ['f', 1],
];

/** The canonical form of ModelProto bytes. */
export function canonicalModel(bytes: Uint8Array): Canonical {
  const type = onnxType('ModelProto');
  return canonicalMessage(type.decode(bytes) as unknown as Message, type);
}

function canonicalMessage(message: Message, type: protobuf.Type): CanonicalMessage {
  const isTensor = type.name === 'TensorProto';
  const canonical: CanonicalMessage = {};
  for (const field of type.fieldsArray) {
    if (isTensor && TENSOR_DATA_FIELDS.has(field.name)) continue;
    const value = canonicalField(message, field);
    if (value !== undefined) canonical[field.name] = value;
  }
  switch (type.name) {
    case 'TensorProto':
      addTensorData(canonical, message);
      break;
    case 'AttributeProto':
      // IR version 1 attributes carry no type: the field that is set says what they are.
      if (canonical.type === undefined) {
        const inferred = inferAttributeType(message, canonical);
        if (inferred !== ATTRIBUTE_TYPE_UNDEFINED) canonical.type = inferred;
      }
      break;
    case 'NodeProto':
      // ONNX leaves trailing optional inputs and outputs out either by omitting them or by empty
      // names; both spell the same node.
      for (const field of ['input', 'output']) {
        const names = withoutTrailingEmpty(canonical[field]);
        if (names === undefined) delete canonical[field];
        else canonical[field] = names;
      }
      break;
    case 'GraphProto':
    case 'FunctionProto':
      // value_info is a set of declarations; its order means nothing.
      if (canonical.valueInfo !== undefined) {
        canonical.valueInfo = sortedByName(canonical.valueInfo);
      }
      break;
  }
  return canonical;
}

function canonicalField(message: Message, field: protobuf.Field): Canonical | undefined {
  const value = message[field.name];
  // protobufjs sets own properties only for fields that were on the wire (and for repeated ones).
  const onWire = Object.hasOwn(message, field.name) && value !== null && value !== undefined;
  if (!onWire) return undefined;
  field.resolve();
  if (field.repeated) {
    const list = value as unknown[];
    return list.length === 0 ? undefined : list.map((element) => canonicalElement(element, field));
  }
  const canonical = canonicalElement(value, field);
  if (field.resolvedType instanceof protobuf.Type) return canonical;
  // A member of a real oneof is meaningful even at its default: dim_value 0 is a size.
  if (field.partOf !== null && field.options?.proto3_optional !== true) return canonical;
  return isDefault(canonical) ? undefined : canonical;
}

function canonicalElement(value: unknown, field: protobuf.Field): Canonical {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return canonicalMessage(value as Message, resolved);
  if (resolved instanceof protobuf.Enum) return Number(value);
  switch (field.type) {
    case 'int64':
    case 'uint64':
    case 'sint64':
    case 'fixed64':
    case 'sfixed64':
      return toBigInt(value).toString();
    case 'bytes':
      return value as Uint8Array;
    default:
      return value as string | number | boolean;
  }
}

function isDefault(value: Canonical): boolean {
  if (value instanceof Uint8Array) return value.byteLength === 0;
  return value === '' || value === 0 || value === false || value === '0';
}

function addTensorData(canonical: CanonicalMessage, tensor: Message): void {
  if (canonical.dataLocation === EXTERNAL_DATA_LOCATION) return;
  if (canonical.dataType === STRING_TENSOR) {
    const strings = tensor.stringData as Uint8Array[];
    if (strings.length > 0) canonical.data = strings;
    return;
  }
  const bytes = tensorPayload(tensor as unknown as TensorProtoData);
  if (bytes.byteLength > 0) canonical.data = bytes;
}

/** The type an untyped attribute has, judged as ONNX does from the field that is set. */
function inferAttributeType(attribute: Message, canonical: CanonicalMessage): number {
  for (const [field, type] of TYPE_OF_ATTRIBUTE_FIELD) {
    if (canonical[field] !== undefined) return type;
  }
  // f, i and s are proto3 optional: presence on the wire is what counts, not the value.
  for (const [field, type] of TYPE_OF_OPTIONAL_ATTRIBUTE_FIELD) {
    if (Object.hasOwn(attribute, field) && attribute[field] !== null) return type;
  }
  return ATTRIBUTE_TYPE_UNDEFINED;
}

function withoutTrailingEmpty(names: Canonical | undefined): Canonical[] | undefined {
  if (names === undefined) return undefined;
  const list = [...(names as Canonical[])];
  while (list.length > 0 && list[list.length - 1] === '') list.pop();
  return list.length === 0 ? undefined : list;
}

function sortedByName(list: Canonical): Canonical[] {
  const nameOf = (entry: Canonical): string =>
    typeof entry === 'object' && !Array.isArray(entry) && !(entry instanceof Uint8Array)
      ? String((entry as CanonicalMessage).name ?? '')
      : '';
  return [...(list as Canonical[])].sort((a, b) =>
    nameOf(a) < nameOf(b) ? -1 : nameOf(a) > nameOf(b) ? 1 : 0,
  );
}
