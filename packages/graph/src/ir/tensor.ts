import { VitOptError } from '../errors.js';
import { readExternalRange } from '../io/external-file.js';
import {
  DataType,
  byteLengthOf,
  dataTypeInfo,
  dataTypeName,
  elementCountOf,
  type NumericTypedArray,
  type TypedArrayByDataType,
} from './dtype.js';

/** Where an externally stored tensor's bytes are (ONNX external data). */
export interface ExternalLocation {
  /** Absolute path of the side file. */
  readonly path: string;
  /** The location as written in the model, relative to the model's folder. */
  readonly location: string;
  readonly offset: number;
  readonly length: number;
  /**
   * The model's folder, symbolic links resolved: the file is read only if it still resolves to a
   * regular file inside it. Set by the loader; tensors built in code may leave it out.
   */
  readonly root?: string;
  /** Any other external_data keys (checksum, …), kept so load→save drops nothing. */
  readonly extra: ReadonlyArray<{ key: string; value: string }>;
}

type TensorStorage =
  | { kind: 'bytes'; bytes: Uint8Array }
  | { kind: 'strings'; strings: Uint8Array[] }
  | { kind: 'external'; location: ExternalLocation };

export interface TensorInit {
  name?: string;
  dtype: DataType;
  dims: readonly number[];
  docString?: string;
  metadataProps?: Map<string, string>;
}

/**
 * A constant tensor. Its bytes stay where they were decoded (a view into the model file's buffer,
 * or an external file read on first use); typed-array access is zero-copy when the bytes are
 * aligned for the element type, and copies once otherwise.
 */
export class Tensor {
  name: string;
  readonly dtype: DataType;
  readonly dims: readonly number[];
  docString: string;
  metadataProps: Map<string, string>;
  #storage: TensorStorage;

  private constructor(init: TensorInit, storage: TensorStorage) {
    this.name = init.name ?? '';
    this.dtype = init.dtype;
    this.dims = Object.freeze([...init.dims]);
    this.docString = init.docString ?? '';
    this.metadataProps = init.metadataProps ?? new Map();
    this.#storage = storage;
  }

  /** A tensor over little-endian bytes (not copied). */
  static fromBytes(init: TensorInit, bytes: Uint8Array): Tensor {
    const expected = byteLengthOf(init.dtype, elementCountOf(init.dims));
    if (init.dtype !== DataType.STRING && bytes.byteLength !== expected) {
      throw new VitOptError(
        'CORRUPT',
        `tensor holds ${bytes.byteLength} bytes but ${dataTypeName(init.dtype)}[${init.dims.join(',')}] needs ${expected}`,
        { subject: init.name === undefined || init.name === '' ? undefined : `tensor '${init.name}'` },
      );
    }
    return new Tensor(init, { kind: 'bytes', bytes });
  }

  /** A tensor over a typed array's memory (not copied). */
  static fromArray(init: TensorInit, data: NumericTypedArray): Tensor {
    return Tensor.fromBytes(init, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }

  static fromStrings(init: Omit<TensorInit, 'dtype'>, strings: Uint8Array[]): Tensor {
    return new Tensor({ ...init, dtype: DataType.STRING }, { kind: 'strings', strings });
  }

  static external(init: TensorInit, location: ExternalLocation): Tensor {
    return new Tensor(init, { kind: 'external', location });
  }

  /** Convenience for small constants built by passes. */
  static fromNumbers(init: TensorInit, values: ArrayLike<number> | ArrayLike<bigint>): Tensor {
    const { arrayType } = dataTypeInfo(init.dtype);
    const array = new arrayType(values.length);
    for (let i = 0; i < values.length; i++) {
      (array as unknown as { [i: number]: number | bigint })[i] =
        array instanceof BigInt64Array || array instanceof BigUint64Array
          ? BigInt(values[i] as number | bigint)
          : Number(values[i]);
    }
    return Tensor.fromArray(init, array);
  }

  get elementCount(): number {
    return elementCountOf(this.dims);
  }

  /** Bytes the data occupies (raw_data form). */
  get byteLength(): number {
    if (this.#storage.kind === 'strings') {
      return this.#storage.strings.reduce((sum, s) => sum + s.byteLength, 0);
    }
    if (this.#storage.kind === 'external') return this.#storage.location.length;
    return this.#storage.bytes.byteLength;
  }

  get isExternal(): boolean {
    return this.#storage.kind === 'external';
  }

  get externalLocation(): ExternalLocation | undefined {
    return this.#storage.kind === 'external' ? this.#storage.location : undefined;
  }

  /** Raw little-endian bytes (packed for sub-byte types). External data is read on first use. */
  bytes(): Uint8Array {
    const storage = this.#storage;
    if (storage.kind === 'bytes') return storage.bytes;
    if (storage.kind === 'strings') {
      throw new VitOptError('UNSUPPORTED', 'a string tensor has no raw bytes', {
        subject: `tensor '${this.name}'`,
      });
    }
    const bytes = readExternalRange(storage.location, this.name);
    this.#storage = { kind: 'bytes', bytes };
    return bytes;
  }

  strings(): Uint8Array[] {
    if (this.#storage.kind !== 'strings') {
      throw new VitOptError('UNSUPPORTED', `a ${dataTypeName(this.dtype)} tensor holds no strings`, {
        subject: `tensor '${this.name}'`,
      });
    }
    return this.#storage.strings;
  }

  /**
   * The elements as the typed array of this element type (see TypedArrayByDataType): float16 and
   * bfloat16 are their bit patterns in a Uint16Array; 4-bit, 2-bit and float8 types are the packed
   * bytes. A view when the bytes are aligned; otherwise they are copied once into aligned memory.
   */
  data(): NumericTypedArray {
    const { arrayType } = dataTypeInfo(this.dtype);
    let bytes = this.bytes();
    const width = arrayType.BYTES_PER_ELEMENT;
    if (bytes.byteOffset % width !== 0) {
      // Not bytes.slice(): on a Node Buffer that is a view, still misaligned.
      bytes = new Uint8Array(bytes);
      this.#storage = { kind: 'bytes', bytes };
    }
    return new arrayType(bytes.buffer, bytes.byteOffset, bytes.byteLength / width);
  }

  /** The elements of a float32 tensor; an error for any other element type. */
  float32(): Float32Array {
    return this.#typed(DataType.FLOAT) as Float32Array;
  }

  /** Typed access checked against the element type, e.g. `tensor.typed(DataType.INT8)`. */
  typed<T extends keyof TypedArrayByDataType>(dtype: T): TypedArrayByDataType[T] {
    return this.#typed(dtype) as TypedArrayByDataType[T];
  }

  #typed(dtype: DataType): NumericTypedArray {
    if (this.dtype !== dtype) {
      throw new VitOptError(
        'UNSUPPORTED',
        `expected ${dataTypeName(dtype)} data, the tensor is ${dataTypeName(this.dtype)}`,
        { subject: `tensor '${this.name}'` },
      );
    }
    return this.data();
  }

  /** Small integer tensors (shapes, axes) as plain numbers. */
  toNumbers(): number[] {
    const data = this.data();
    return Array.from(data as ArrayLike<number | bigint>, (v) => Number(v));
  }

  /** A copy with another name: shares no mutable state but may share the (immutable) bytes. */
  withName(name: string): Tensor {
    const init = { name, dtype: this.dtype, dims: this.dims, docString: this.docString };
    const storage = this.#storage;
    return new Tensor({ ...init, metadataProps: new Map(this.metadataProps) }, storage);
  }
}
