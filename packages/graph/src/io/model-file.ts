import { constants, fstatSync, readSync, renameSync, statSync, type Stats } from 'node:fs';
import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { VitOptError } from '../errors.js';
import type { Model } from '../ir/model.js';
import type { Tensor } from '../ir/tensor.js';
import {
  describeFsError,
  removeIfPresent,
  temporaryPathFor,
  writeFileAtomic,
} from './atomic-write.js';
import { decodeModel } from './decode.js';
import { describeFileKind } from './external-file.js';
import { encodeModel, type TensorPlacement } from './encode.js';

export interface LoadOptions {
  /**
   * Refuse a model whose graph is structurally broken (default true): see DecodeOptions.validate.
   * Only for experts who repair such models themselves.
   */
  validate?: boolean;
}

/**
 * Reads a model file into the IR and checks its structure (a node input nothing defines, a cycle,
 * a value produced twice, an initializer whose data does not fit its dims, a domain without an
 * opset): a broken model is one VitOptError naming the file and the node or tensor. Weights are
 * not copied: tensors view the file's buffer.
 */
export function loadModel(path: string, options: LoadOptions = {}): Model {
  return decodeModel(readModelBytes(path), {
    baseDir: dirname(path),
    source: path,
    ...(options.validate === undefined ? {} : { validate: options.validate }),
  });
}

/**
 * The bytes of a model file, with one-line errors for the usual mistakes. Only a regular file is
 * read: a FIFO, a device or a directory is refused before it is opened, and the read stops at the
 * size the file had when opened.
 */
export function readModelBytes(path: string): Buffer {
  const unreadable = (error: unknown): VitOptError => {
    const code = (error as NodeJS.ErrnoException).code;
    return new VitOptError(
      code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'FILE_UNREADABLE',
      code === 'ENOENT' ? 'no such file' : `cannot read the file (${describeFsError(error)})`,
      { subject: path, cause: error },
    );
  };
  const refuseKind = (stats: Stats): VitOptError =>
    new VitOptError('FILE_UNREADABLE', `is ${describeFileKind(stats)}, not an ONNX model file`, {
      subject: path,
    });
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch (error) {
    throw unreadable(error);
  }
  if (!stats.isFile()) throw refuseKind(stats);
  if (stats.size === 0) {
    throw new VitOptError('EMPTY_FILE', 'the file is empty, not an ONNX model', { subject: path });
  }
  let fd: number | undefined;
  try {
    // O_NONBLOCK: a file swapped for a FIFO since the stat must not make the open wait.
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    const opened = fstatSync(fd);
    if (!opened.isFile()) throw refuseKind(opened);
    const bytes = Buffer.allocUnsafe(opened.size);
    let done = 0;
    while (done < bytes.byteLength) {
      const n = readSync(fd, bytes, done, bytes.byteLength - done, done);
      if (n === 0) break;
      done += n;
    }
    return done === bytes.byteLength ? bytes : bytes.subarray(0, done);
  } catch (error) {
    if (error instanceof VitOptError) throw error;
    throw unreadable(error);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export interface SaveOptions {
  /**
   * Put large tensors in a side file (ONNX external data). `'auto'` (the default) does so when the
   * model already kept data externally or when inline it would pass protobuf's 2 GB limit.
   */
  externalData?: boolean | 'auto';
  /** Side file name, relative to the model's folder. Default: `<model file name>.data`. */
  externalDataLocation?: string;
  /** Tensors of at least this many bytes go to the side file. Default 1024. */
  externalDataThresholdBytes?: number;
}

/** Inline models must stay under protobuf's 2 GiB message limit; leave headroom for the graph. */
const INLINE_LIMIT_BYTES = 1.8 * 1024 ** 3;
/** Side-file tensors start on page boundaries so runtimes can memory-map them. */
const EXTERNAL_ALIGNMENT = 4096;

/**
 * Writes `model` to `path` atomically: the model (and its side file, if any) are written to temp
 * files and renamed into place, so a failed or interrupted save never leaves a half-written model.
 */
export function saveModel(model: Model, path: string, options: SaveOptions = {}): void {
  const tensors = collectTensors(model);
  if (!useExternalData(tensors, options.externalData ?? 'auto')) {
    writeFileAtomic(path, encodeModel(model));
    return;
  }
  const location = options.externalDataLocation ?? `${basename(path)}.data`;
  const threshold = options.externalDataThresholdBytes ?? 1024;
  const dataPath = join(dirname(path), location);
  const dataTemp = temporaryPathFor(dataPath);
  let fd: number | undefined;
  try {
    mkdirSync(dirname(dataPath), { recursive: true });
    fd = openSync(dataTemp, 'w');
    const offsets = new Map<Tensor, number>();
    let offset = 0;
    for (const tensor of tensors) {
      if (tensor.byteLength < threshold || offsets.has(tensor)) continue;
      const padding = (EXTERNAL_ALIGNMENT - (offset % EXTERNAL_ALIGNMENT)) % EXTERNAL_ALIGNMENT;
      if (padding > 0) offset += writeSync(fd, new Uint8Array(padding), 0, padding, offset);
      const bytes = tensor.bytes();
      offsets.set(tensor, offset);
      for (let done = 0; done < bytes.byteLength;) {
        done += writeSync(fd, bytes, done, bytes.byteLength - done, offset + done);
      }
      offset += bytes.byteLength;
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    const placement: TensorPlacement = {
      external(tensor) {
        const at = offsets.get(tensor);
        if (at === undefined) return undefined;
        return [
          { key: 'location', value: location },
          { key: 'offset', value: String(at) },
          { key: 'length', value: String(tensor.byteLength) },
        ];
      },
    };
    const encoded = encodeModel(model, placement);
    renameSync(dataTemp, dataPath);
    writeFileAtomic(path, encoded);
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    removeIfPresent(dataTemp);
    if (error instanceof VitOptError) throw error;
    throw new VitOptError(
      'WRITE_FAILED',
      `cannot write external data (${describeFsError(error)})`,
      {
        subject: dataPath,
        cause: error,
      },
    );
  }
}

function useExternalData(tensors: readonly Tensor[], choice: boolean | 'auto'): boolean {
  if (choice !== 'auto') return choice;
  let total = 0;
  for (const t of tensors) {
    if (t.isExternal) return true;
    total += t.byteLength;
  }
  return total > INLINE_LIMIT_BYTES;
}

/** Every initializer and tensor attribute of the model, subgraphs included. */
function collectTensors(model: Model): Tensor[] {
  const tensors: Tensor[] = [];
  for (const graph of model.graph.allGraphs()) {
    for (const v of graph.initializers) tensors.push(v.initializer!);
    for (const node of graph.nodes) {
      for (const a of node.attributes.values()) {
        if (a.kind === 4) tensors.push(a.value as Tensor);
        if (a.kind === 9) tensors.push(...(a.value as Tensor[]));
      }
    }
  }
  return tensors;
}
