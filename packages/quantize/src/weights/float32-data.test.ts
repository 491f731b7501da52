import { expect, it } from 'vitest';
import { DataType, Tensor } from '@vit-opt/graph';
import { Float32Reader } from './float32-data.js';

it('reads an unaligned float32 tensor through one reused scratch buffer, leaving the tensor as it was', () => {
  const values = Float32Array.of(1.5, -2, 3.25);
  const file = new Uint8Array(1 + values.byteLength);
  file.set(new Uint8Array(values.buffer), 1);
  const unaligned = Tensor.fromBytes({ dtype: DataType.FLOAT, dims: [3] }, file.subarray(1));
  const reader = new Float32Reader();
  const first = reader.read(unaligned);
  expect(Array.from(first)).toEqual([1.5, -2, 3.25]);
  expect(unaligned.bytes().byteOffset).toBe(1); // not replaced by an aligned copy
  const second = reader.read(unaligned);
  expect(second.buffer).toBe(first.buffer);

  const aligned = Tensor.fromArray({ dtype: DataType.FLOAT, dims: [3] }, values);
  expect(reader.read(aligned).buffer).toBe(values.buffer); // a view, no copy
  expect(() => reader.read(Tensor.fromNumbers({ dtype: DataType.INT64, dims: [1] }, [1]))).toThrow(
    /expected a float32 tensor, got int64/,
  );
});
