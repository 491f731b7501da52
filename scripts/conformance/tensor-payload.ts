import { DataType } from '@vit-opt/graph';

/** The data fields of a decoded TensorProto (protobufjs gives int64s as Long objects). */
export interface TensorProtoData {
  readonly dataType: number;
  readonly rawData: Uint8Array;
  readonly floatData: readonly number[];
  readonly doubleData: readonly number[];
  readonly int32Data: readonly number[];
  readonly int64Data: readonly unknown[];
  readonly uint64Data: readonly unknown[];
}

/**
 * A tensor's data as raw little-endian bytes, whichever field the file used: the saved model
 * always writes raw_data, while an original may use float_data, int32_data and the like. Written
 * here from the ONNX spec rather than borrowed from the graph package's decoder, so that a
 * conversion bug there shows up as a difference instead of being repeated on both sides.
 */
export function tensorPayload(tensor: TensorProtoData): Uint8Array {
  if (tensor.rawData.byteLength > 0) return tensor.rawData;
  switch (tensor.dataType as DataType) {
    case DataType.FLOAT:
    case DataType.COMPLEX64:
      return packed(tensor.floatData, 4, (view, at, v) => view.setFloat32(at, v, true));
    case DataType.DOUBLE:
    case DataType.COMPLEX128:
      return packed(tensor.doubleData, 8, (view, at, v) => view.setFloat64(at, v, true));
    case DataType.INT64:
      return packed(tensor.int64Data, 8, (view, at, v) => view.setBigInt64(at, toBigInt(v), true));
    case DataType.UINT64:
      return packed(tensor.uint64Data, 8, (view, at, v) =>
        view.setBigUint64(at, BigInt.asUintN(64, toBigInt(v)), true),
      );
    case DataType.UINT32:
      return packed(tensor.uint64Data, 4, (view, at, v) =>
        view.setUint32(at, Number(BigInt.asUintN(32, toBigInt(v))), true),
      );
    case DataType.INT32:
      return packed(tensor.int32Data, 4, (view, at, v) => view.setInt32(at, v, true));
    case DataType.INT16:
    case DataType.UINT16:
    case DataType.FLOAT16:
    case DataType.BFLOAT16:
      // float16 and bfloat16 are stored as their bit patterns, one per int32_data entry.
      return packed(tensor.int32Data, 2, (view, at, v) => view.setUint16(at, v & 0xffff, true));
    default:
      // 8-bit types take one element per int32_data entry; 4- and 2-bit types take one packed
      // byte per entry. Either way, each entry is one byte of raw_data.
      return packed(tensor.int32Data, 1, (view, at, v) => view.setUint8(at, v & 0xff));
  }
}

function packed<T>(
  values: readonly T[],
  width: number,
  write: (view: DataView, byteOffset: number, value: T) => void,
): Uint8Array {
  const bytes = new Uint8Array(values.length * width);
  const view = new DataView(bytes.buffer);
  values.forEach((value, i) => write(view, i * width, value));
  return bytes;
}

/** An int64 field value (a Long, a number or a bigint) as an exact bigint. */
export function toBigInt(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return BigInt(value);
  // Long's toString() is exact and honours its signedness.
  return BigInt(String(value));
}
