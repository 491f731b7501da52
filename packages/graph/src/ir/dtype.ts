/** ONNX element types (TensorProto.DataType). */
export enum DataType {
  UNDEFINED = 0,
  FLOAT = 1,
  UINT8 = 2,
  INT8 = 3,
  UINT16 = 4,
  INT16 = 5,
  INT32 = 6,
  INT64 = 7,
  STRING = 8,
  BOOL = 9,
  FLOAT16 = 10,
  DOUBLE = 11,
  UINT32 = 12,
  UINT64 = 13,
  COMPLEX64 = 14,
  COMPLEX128 = 15,
  BFLOAT16 = 16,
  FLOAT8E4M3FN = 17,
  FLOAT8E4M3FNUZ = 18,
  FLOAT8E5M2 = 19,
  FLOAT8E5M2FNUZ = 20,
  UINT4 = 21,
  INT4 = 22,
  FLOAT4E2M1 = 23,
  FLOAT8E8M0 = 24,
  UINT2 = 25,
  INT2 = 26,
}

/** The typed array each element type is exposed as. Sub-byte and float8 types stay packed bytes. */
export interface TypedArrayByDataType {
  [DataType.FLOAT]: Float32Array;
  [DataType.DOUBLE]: Float64Array;
  [DataType.INT8]: Int8Array;
  [DataType.UINT8]: Uint8Array;
  [DataType.INT16]: Int16Array;
  [DataType.UINT16]: Uint16Array;
  [DataType.INT32]: Int32Array;
  [DataType.UINT32]: Uint32Array;
  [DataType.INT64]: BigInt64Array;
  [DataType.UINT64]: BigUint64Array;
  [DataType.BOOL]: Uint8Array;
  [DataType.FLOAT16]: Uint16Array;
  [DataType.BFLOAT16]: Uint16Array;
}

export type NumericTypedArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

type TypedArrayConstructor = {
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): NumericTypedArray;
  new (length: number): NumericTypedArray;
  readonly BYTES_PER_ELEMENT: number;
};

export interface DataTypeInfo {
  readonly name: string;
  /** Bits per element: 4 for int4/uint4/float4, 2 for int2/uint2, 8 × bytes otherwise. */
  readonly bits: number;
  /** The array elements are exposed as; packed sub-byte types use Uint8Array over packed bytes. */
  readonly arrayType: TypedArrayConstructor;
  readonly isFloat: boolean;
}

const info = (
  name: string,
  bits: number,
  arrayType: TypedArrayConstructor,
  isFloat = false,
): DataTypeInfo => ({ name, bits, arrayType, isFloat });

const DATA_TYPE_INFO: Partial<Record<DataType, DataTypeInfo>> = {
  [DataType.FLOAT]: info('float32', 32, Float32Array, true),
  [DataType.UINT8]: info('uint8', 8, Uint8Array),
  [DataType.INT8]: info('int8', 8, Int8Array),
  [DataType.UINT16]: info('uint16', 16, Uint16Array),
  [DataType.INT16]: info('int16', 16, Int16Array),
  [DataType.INT32]: info('int32', 32, Int32Array),
  [DataType.INT64]: info('int64', 64, BigInt64Array),
  [DataType.STRING]: info('string', 0, Uint8Array),
  [DataType.BOOL]: info('bool', 8, Uint8Array),
  [DataType.FLOAT16]: info('float16', 16, Uint16Array, true),
  [DataType.DOUBLE]: info('float64', 64, Float64Array, true),
  [DataType.UINT32]: info('uint32', 32, Uint32Array),
  [DataType.UINT64]: info('uint64', 64, BigUint64Array),
  [DataType.COMPLEX64]: info('complex64', 64, Float32Array, true),
  [DataType.COMPLEX128]: info('complex128', 128, Float64Array, true),
  [DataType.BFLOAT16]: info('bfloat16', 16, Uint16Array, true),
  [DataType.FLOAT8E4M3FN]: info('float8e4m3fn', 8, Uint8Array, true),
  [DataType.FLOAT8E4M3FNUZ]: info('float8e4m3fnuz', 8, Uint8Array, true),
  [DataType.FLOAT8E5M2]: info('float8e5m2', 8, Uint8Array, true),
  [DataType.FLOAT8E5M2FNUZ]: info('float8e5m2fnuz', 8, Uint8Array, true),
  [DataType.UINT4]: info('uint4', 4, Uint8Array),
  [DataType.INT4]: info('int4', 4, Uint8Array),
  [DataType.FLOAT4E2M1]: info('float4e2m1', 4, Uint8Array, true),
  [DataType.FLOAT8E8M0]: info('float8e8m0', 8, Uint8Array, true),
  [DataType.UINT2]: info('uint2', 2, Uint8Array),
  [DataType.INT2]: info('int2', 2, Uint8Array),
};

export function dataTypeInfo(dtype: DataType): DataTypeInfo {
  const found = DATA_TYPE_INFO[dtype];
  if (found === undefined) throw new RangeError(`unknown ONNX element type ${dtype}`);
  return found;
}

export function isKnownDataType(dtype: number): dtype is DataType {
  return DATA_TYPE_INFO[dtype as DataType] !== undefined;
}

export function dataTypeName(dtype: DataType): string {
  return DATA_TYPE_INFO[dtype]?.name ?? `type${dtype as number}`;
}

/** Bytes that `count` elements occupy in raw_data (sub-byte types pack, rounding up). */
export function byteLengthOf(dtype: DataType, count: number): number {
  return Math.ceil((count * dataTypeInfo(dtype).bits) / 8);
}

/** Number of elements of a shape; the empty shape is a scalar (1). */
export function elementCountOf(dims: readonly number[]): number {
  let count = 1;
  for (const d of dims) count *= d;
  return count;
}
