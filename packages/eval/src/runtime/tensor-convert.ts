import { Tensor as OrtTensor } from 'onnxruntime-node';
import {
  DataType,
  Tensor,
  VitOptError,
  dataTypeName,
  decodeText,
  encodeText,
  type NumericTypedArray,
} from '@vit-opt/graph';

/**
 * An element type onnxruntime-node carries across its native binding. The JS API also knows
 * int4/uint4, but the 1.30 binding refuses them as feeds and aborts the process (out of memory)
 * when it hands one back.
 */
export type OrtElementType = Exclude<OrtTensor.Type, 'int4' | 'uint4'>;

const ORT_TYPE_BY_DATA_TYPE: Readonly<Partial<Record<DataType, OrtElementType>>> = {
  [DataType.FLOAT]: 'float32',
  [DataType.DOUBLE]: 'float64',
  [DataType.FLOAT16]: 'float16',
  [DataType.INT8]: 'int8',
  [DataType.UINT8]: 'uint8',
  [DataType.INT16]: 'int16',
  [DataType.UINT16]: 'uint16',
  [DataType.INT32]: 'int32',
  [DataType.UINT32]: 'uint32',
  [DataType.INT64]: 'int64',
  [DataType.UINT64]: 'uint64',
  [DataType.BOOL]: 'bool',
  [DataType.STRING]: 'string',
};

const DATA_TYPE_BY_ORT_TYPE = new Map<string, DataType>(
  Object.entries(ORT_TYPE_BY_DATA_TYPE).map(([dtype, ortType]) => [ortType, Number(dtype)]),
);

/** onnxruntime-node's name for an ONNX element type, or undefined when its binding cannot carry it. */
export function ortTypeOf(dtype: DataType): OrtElementType | undefined {
  return ORT_TYPE_BY_DATA_TYPE[dtype];
}

/**
 * The ONNX element type of an onnxruntime type name (as in `session.outputMetadata`), or undefined
 * when onnxruntime-node cannot hand such a tensor back. Check it before fetching an output: an
 * int4 or uint4 fetch takes the whole process down.
 */
export function dataTypeOfOrtType(ortType: string): DataType | undefined {
  return DATA_TYPE_BY_ORT_TYPE.get(ortType);
}

/**
 * A graph tensor as an onnxruntime feed. Numeric data is not copied: the feed views the tensor's
 * bytes. String tensors become JavaScript strings (decoded as UTF-8), the only form the binding
 * takes.
 */
export function toOrtTensor(tensor: Tensor): OrtTensor {
  const dims = [...tensor.dims];
  if (tensor.dtype === DataType.STRING) {
    return new OrtTensor('string', tensor.strings().map(decodeText), dims);
  }
  const ortType = ortTypeOf(tensor.dtype);
  if (ortType === undefined) {
    throw new VitOptError(
      'UNSUPPORTED',
      `onnxruntime-node cannot take ${dataTypeName(tensor.dtype)} tensors`,
      { subject: tensor.name === '' ? 'tensor' : `tensor '${tensor.name}'` },
    );
  }
  // Tensor.data() gives the array class onnxruntime expects for each type: Uint8Array for bool,
  // Uint16Array bit patterns for float16, BigInt64Array for int64.
  return new OrtTensor(ortType, tensor.data() as OrtTensor.DataTypeMap[typeof ortType], dims);
}

/**
 * An onnxruntime output as a graph tensor named `name`. Numeric data is not copied: onnxruntime-node
 * returns outputs in JavaScript-owned buffers, which outlive the session. float16 data is kept as
 * its bit patterns, whatever array class the runtime used.
 */
export function fromOrtTensor(ortTensor: OrtTensor, name = ''): Tensor {
  const dims = [...ortTensor.dims];
  if (ortTensor.type === 'string') {
    return Tensor.fromStrings({ name, dims }, (ortTensor.data as string[]).map(encodeText));
  }
  const dtype = dataTypeOfOrtType(ortTensor.type);
  if (dtype === undefined) {
    throw new VitOptError(
      'UNSUPPORTED',
      `onnxruntime returned a ${ortTensor.type} tensor, which vit-opt cannot read`,
      {
        subject: name === '' ? 'tensor' : `tensor '${name}'`,
      },
    );
  }
  const data = ortTensor.data as NumericTypedArray;
  return Tensor.fromBytes(
    { name, dtype, dims },
    new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  );
}
