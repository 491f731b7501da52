import { DataType, dataTypeName, type Tensor } from '@vit-opt/graph';

/**
 * Reads float32 tensors without copying them into the model. Weights decoded from a file sit at
 * arbitrary byte offsets; `Tensor.float32()` would then copy each into aligned memory that the
 * model keeps, which for ViT-B/16 is 340 MB allocated only to be quantized and thrown away. An
 * unaligned tensor is instead copied into one scratch buffer, reused from tensor to tensor, so
 * each view is valid until the next call.
 */
export class Float32Reader {
  #scratch = new Float32Array(0);

  read(tensor: Tensor): Float32Array {
    if (tensor.dtype !== DataType.FLOAT)
      throw new TypeError(`expected a float32 tensor, got ${dataTypeName(tensor.dtype)}`);
    const bytes = tensor.bytes();
    const length = bytes.byteLength / 4;
    if (bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, length);
    if (this.#scratch.length < length) this.#scratch = new Float32Array(length);
    new Uint8Array(this.#scratch.buffer, 0, bytes.byteLength).set(bytes);
    return this.#scratch.subarray(0, length);
  }
}
