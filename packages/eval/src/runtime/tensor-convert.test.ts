import { describe, expect, it } from 'vitest';
import { Tensor as OrtTensor } from 'onnxruntime-node';
import { DataType, Tensor, VitOptError, encodeText } from '@vit-opt/graph';
import { dataTypeOfOrtType, fromOrtTensor, ortTypeOf, toOrtTensor } from './tensor-convert.js';

const bytesOf = (tensor: Tensor): number[] => Array.from(tensor.bytes());

describe('toOrtTensor / fromOrtTensor', () => {
  const cases: Array<[DataType, string, ArrayLike<number> | ArrayLike<bigint>]> = [
    [DataType.FLOAT, 'float32', [1.5, -2, Number.NaN]],
    [DataType.DOUBLE, 'float64', [1e300, -0]],
    [DataType.INT8, 'int8', [-128, 127]],
    [DataType.UINT8, 'uint8', [0, 255]],
    [DataType.INT16, 'int16', [-32768, 7]],
    [DataType.UINT16, 'uint16', [65535, 1]],
    [DataType.INT32, 'int32', [-(2 ** 31), 2 ** 31 - 1]],
    [DataType.UINT32, 'uint32', [2 ** 32 - 1, 0]],
    [DataType.INT64, 'int64', [-(2n ** 63n), 2n ** 63n - 1n]],
    [DataType.UINT64, 'uint64', [2n ** 64n - 1n, 0n]],
    [DataType.BOOL, 'bool', [1, 0]],
    // float16 travels as bit patterns: 1.0, -2.0 and a NaN.
    [DataType.FLOAT16, 'float16', [0x3c00, 0xc000, 0x7e01]],
  ];

  it.each(cases)('carries element type %i as %s, bit for bit', (dtype, ortType, values) => {
    const tensor = Tensor.fromNumbers({ name: 't', dtype, dims: [1, values.length] }, values);
    const ort = toOrtTensor(tensor);
    expect(ort.type).toBe(ortType);
    expect(ort.dims).toEqual([1, values.length]);
    const back = fromOrtTensor(ort, 'back');
    expect(back.name).toBe('back');
    expect(back.dtype).toBe(dtype);
    expect(back.dims).toEqual([1, values.length]);
    expect(bytesOf(back)).toEqual(bytesOf(tensor));
  });

  it('feeds numeric data without copying it', () => {
    const data = new Float32Array([1, 2, 3, 4]);
    const ort = toOrtTensor(Tensor.fromArray({ dtype: DataType.FLOAT, dims: [2, 2] }, data));
    expect((ort.data as Float32Array).buffer).toBe(data.buffer);
  });

  it('reads outputs without copying them', () => {
    const data = new BigInt64Array([5n, -6n]);
    const tensor = fromOrtTensor(new OrtTensor('int64', data, [2]));
    expect(tensor.bytes().buffer).toBe(data.buffer);
    expect(Array.from(tensor.typed(DataType.INT64))).toEqual([5n, -6n]);
  });

  it('converts string tensors through UTF-8', () => {
    const tensor = Tensor.fromStrings({ name: 's', dims: [2] }, [
      encodeText('héllo'),
      encodeText(''),
    ]);
    const ort = toOrtTensor(tensor);
    expect(ort.type).toBe('string');
    expect(ort.data).toEqual(['héllo', '']);
    const back = fromOrtTensor(ort, 's');
    expect(back.dtype).toBe(DataType.STRING);
    expect(back.strings()).toEqual([encodeText('héllo'), encodeText('')]);
  });

  it('keeps scalars and empty tensors', () => {
    const scalar = fromOrtTensor(
      toOrtTensor(Tensor.fromNumbers({ dtype: DataType.INT32, dims: [] }, [7])),
    );
    expect(scalar.dims).toEqual([]);
    expect(scalar.toNumbers()).toEqual([7]);
    const empty = fromOrtTensor(
      toOrtTensor(Tensor.fromNumbers({ dtype: DataType.FLOAT, dims: [0, 3] }, [])),
    );
    expect(empty.dims).toEqual([0, 3]);
    expect(empty.byteLength).toBe(0);
  });

  it('refuses element types the onnxruntime-node binding cannot carry, naming the tensor', () => {
    for (const dtype of [DataType.BFLOAT16, DataType.INT4, DataType.FLOAT8E4M3FN]) {
      const tensor = Tensor.fromBytes(
        { name: 'w', dtype, dims: [2] },
        new Uint8Array(dtype === DataType.BFLOAT16 ? 4 : dtype === DataType.INT4 ? 1 : 2),
      );
      expect(() => toOrtTensor(tensor)).toThrow(VitOptError);
      expect(() => toOrtTensor(tensor)).toThrow(/cannot take (bfloat16|int4|float8e4m3fn) tensors/);
    }
  });
});

describe('ortTypeOf / dataTypeOfOrtType', () => {
  it('maps both ways for the carried types', () => {
    expect(ortTypeOf(DataType.FLOAT16)).toBe('float16');
    expect(dataTypeOfOrtType('float16')).toBe(DataType.FLOAT16);
    expect(dataTypeOfOrtType('string')).toBe(DataType.STRING);
  });

  it('knows no int4/uint4, whose fetch would abort the process', () => {
    expect(ortTypeOf(DataType.INT4)).toBeUndefined();
    expect(dataTypeOfOrtType('int4')).toBeUndefined();
    expect(dataTypeOfOrtType('uint4')).toBeUndefined();
  });
});
