import type protobuf from 'protobufjs';
import { onnxType } from './proto.js';

/**
 * Lists protobuf fields the ONNX schema here does not know (written by a newer ONNX), as paths
 * like "ModelProto.graph.node[3]#12". protobufjs skips such fields on decode, so saving would
 * silently drop them; this walk finds them without decoding any tensor data (length-delimited
 * fields that are not messages are jumped over).
 */
export function findUnknownFields(bytes: Uint8Array, typeName = 'ModelProto', limit = 20): string[] {
  const found: string[] = [];
  walk(bytes, 0, bytes.byteLength, onnxType(typeName), typeName, found, limit);
  return found;
}

function walk(
  bytes: Uint8Array,
  start: number,
  end: number,
  type: protobuf.Type,
  path: string,
  found: string[],
  limit: number,
): void {
  const counts = new Map<number, number>();
  let pos = start;
  while (pos < end && found.length < limit) {
    const [tag, afterTag] = readVarint(bytes, pos);
    pos = afterTag;
    const fieldNumber = Math.floor(tag / 8);
    const wireType = tag % 8;
    const field = type.fieldsById[fieldNumber];
    const index = counts.get(fieldNumber) ?? 0;
    counts.set(fieldNumber, index + 1);
    if (field === undefined) found.push(`${path}#${fieldNumber}`);
    switch (wireType) {
      case 0:
        pos = readVarint(bytes, pos)[1];
        break;
      case 1:
        pos += 8;
        break;
      case 5:
        pos += 4;
        break;
      case 2: {
        const [length, afterLength] = readVarint(bytes, pos);
        pos = afterLength;
        field?.resolve();
        const child = field?.resolvedType;
        if (child !== null && child !== undefined && 'fieldsById' in child) {
          const name = field!.repeated ? `${field!.name}[${index}]` : field!.name;
          walk(bytes, pos, pos + length, child as protobuf.Type, `${path}.${name}`, found, limit);
        }
        pos += length;
        break;
      }
      default:
        // Groups (3, 4) are not used by ONNX; anything else means the bytes are not protobuf,
        // which decoding reports on its own.
        return;
    }
  }
}

function readVarint(bytes: Uint8Array, pos: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (;;) {
    const b = bytes[pos++];
    if (b === undefined) return [value, pos];
    value += (b & 0x7f) * scale;
    if ((b & 0x80) === 0) return [value, pos];
    scale *= 128;
  }
}
