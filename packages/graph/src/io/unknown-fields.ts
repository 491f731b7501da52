import type protobuf from 'protobufjs';
import { onnxType } from './proto.js';

export interface WireScan {
  /**
   * Fields the ONNX schema here does not know (written by a newer ONNX), as paths like
   * "ModelProto.graph.node[3]#12". protobufjs skips them on decode, so saving would drop them.
   */
  readonly unknownFields: string[];
  /**
   * The first thing protobuf's own parser (onnxruntime's) refuses and protobufjs lets through: a
   * field whose wire type is not its declared type's, a message that runs past the one holding
   * it, an invalid wire type. Undefined when there is none.
   */
  readonly problem?: string;
}

/**
 * Walks the protobuf wire format of `bytes` against the ONNX schema without decoding any tensor
 * data (length-delimited fields that are not messages are jumped over).
 */
export function scanWireFormat(bytes: Uint8Array, typeName = 'ModelProto', limit = 20): WireScan {
  const state: ScanState = { unknownFields: [], limit };
  walk(bytes, 0, bytes.byteLength, onnxType(typeName), typeName, state);
  return {
    unknownFields: state.unknownFields,
    ...(state.problem === undefined ? {} : { problem: state.problem }),
  };
}

/** The unknown fields of scanWireFormat, for callers that want only those. */
export function findUnknownFields(
  bytes: Uint8Array,
  typeName = 'ModelProto',
  limit = 20,
): string[] {
  return scanWireFormat(bytes, typeName, limit).unknownFields;
}

interface ScanState {
  unknownFields: string[];
  readonly limit: number;
  problem?: string;
}

const VARINT_TYPES = new Set(['int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64', 'bool']);
const FIXED64_TYPES = new Set(['fixed64', 'sfixed64', 'double']);
const FIXED32_TYPES = new Set(['fixed32', 'sfixed32', 'float']);

/** The wire type a field of this declared type is written with (2 for messages, strings, bytes). */
function wireTypeOf(field: protobuf.Field): number {
  if (VARINT_TYPES.has(field.type)) return 0;
  if (FIXED64_TYPES.has(field.type)) return 1;
  if (FIXED32_TYPES.has(field.type)) return 5;
  if (field.type === 'string' || field.type === 'bytes') return 2;
  field.resolve();
  // Enums are varints; messages are length-delimited.
  return field.resolvedType !== null && 'fieldsById' in field.resolvedType ? 2 : 0;
}

function walk(
  bytes: Uint8Array,
  start: number,
  end: number,
  type: protobuf.Type,
  path: string,
  state: ScanState,
): void {
  const counts = new Map<number, number>();
  let pos = start;
  const fail = (message: string): void => {
    state.problem ??= `${path}: ${message}`;
  };
  while (pos < end && state.problem === undefined) {
    const [tag, afterTag] = readVarint(bytes, pos, end);
    if (afterTag < 0) return fail('a field tag runs past the end');
    pos = afterTag;
    const fieldNumber = Math.floor(tag / 8);
    const wireType = tag % 8;
    if (fieldNumber === 0) return fail('a field has number 0');
    const field = type.fieldsById[fieldNumber];
    const index = counts.get(fieldNumber) ?? 0;
    counts.set(fieldNumber, index + 1);
    if (field === undefined) {
      if (state.unknownFields.length < state.limit)
        state.unknownFields.push(`${path}#${fieldNumber}`);
    } else {
      const expected = wireTypeOf(field);
      const packed = field.repeated && expected !== 2 && wireType === 2;
      if (wireType !== expected && !packed) {
        return fail(
          `field '${field.name}' (#${fieldNumber}) has wire type ${wireType}, its type is written with ${expected}`,
        );
      }
    }
    switch (wireType) {
      case 0: {
        const [, after] = readVarint(bytes, pos, end);
        if (after < 0) return fail('a varint runs past the end of its message');
        pos = after;
        break;
      }
      case 1:
        pos += 8;
        break;
      case 5:
        pos += 4;
        break;
      case 2: {
        const [length, afterLength] = readVarint(bytes, pos, end);
        if (afterLength < 0) return fail('a length runs past the end of its message');
        pos = afterLength;
        if (pos + length > end) {
          return fail(`field #${fieldNumber} is ${length} bytes long, past the end of its message`);
        }
        const child = field === undefined ? undefined : field.resolvedType;
        if (child !== null && child !== undefined && 'fieldsById' in child) {
          const name = field!.repeated ? `${field!.name}[${index}]` : field!.name;
          walk(bytes, pos, pos + length, child as protobuf.Type, `${path}.${name}`, state);
        }
        pos += length;
        break;
      }
      default:
        // Groups (3, 4) are not used by ONNX; 6 and 7 are no wire type at all.
        return fail(`field #${fieldNumber} has invalid wire type ${wireType}`);
    }
    if (pos > end) return fail(`field #${fieldNumber} runs past the end of its message`);
  }
}

/** A varint at `pos` and the position after it; -1 when it runs past `end` or 10 bytes. */
function readVarint(bytes: Uint8Array, pos: number, end: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) return [value, -1];
    const b = bytes[pos++]!;
    value += (b & 0x7f) * scale;
    if ((b & 0x80) === 0) return [value, pos];
    scale *= 128;
  }
  return [value, -1];
}
