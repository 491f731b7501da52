import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { VitOptError } from '../errors.js';
import type { Model } from '../ir/model.js';
import type { Tensor } from '../ir/tensor.js';
import {
  assertReplaceable,
  commitStagedFiles,
  describeFsError,
  removeIfPresent,
  removeStaleTemporaryFiles,
  stageFile,
  stagedRename,
  temporaryPathFor,
  type StagedFile,
} from './atomic-write.js';
import { decodeModel } from './decode.js';
import { readRegularFile } from './regular-file.js';
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
  const bytes = readRegularFile(path, { what: 'an ONNX model file' });
  if (bytes.byteLength === 0) {
    throw new VitOptError('EMPTY_FILE', 'the file is empty, not an ONNX model', { subject: path });
  }
  return bytes;
}

export interface SaveOptions {
  /**
   * Put large tensors in a side file (ONNX external data). `'auto'` (the default) does so when the
   * model already kept data externally or when inline it would pass protobuf's 2 GB limit.
   */
  externalData?: boolean | 'auto';
  /**
   * Side file name, relative to the model's folder. Default: `<model file name>.<8 hex>.data`, a
   * name of this save alone, so that two writers of one path never pair one's model with the
   * other's data.
   */
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
  stageModel(model, path, options).commit();
}

/**
 * saveModel up to the renames: the model (and its side file) written in full to temp files beside
 * `path`, committed by `commit()`. The side file gets a name of its own (see SaveOptions), renamed
 * into place before the model that names it; the side file of the model replaced is removed after,
 * if it is one saveModel named (`<name>.data`, `<name>.<8 hex>.data`).
 */
export function stageModel(model: Model, path: string, options: SaveOptions = {}): StagedModel {
  const tensors = collectTensors(model);
  if (!useExternalData(tensors, options.externalData ?? 'auto')) {
    return replacingSideFiles(path, [stageFile(path, encodeModel(model))], undefined);
  }
  const location =
    options.externalDataLocation ?? `${basename(path)}.${randomBytes(4).toString('hex')}.data`;
  const threshold = options.externalDataThresholdBytes ?? 1024;
  const dataPath = join(dirname(path), location);
  // Named after the model, so that the next save of `path` finds it if this one is killed.
  const dataTemp = `${temporaryPathFor(path)}.data`;
  let fd: number | undefined;
  try {
    assertReplaceable(path);
    assertReplaceable(dataPath);
    mkdirSync(dirname(dataPath), { recursive: true });
    removeStaleTemporaryFiles(path);
    fd = openSync(dataTemp, 'wx');
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
    const staged = stageFile(path, encodeModel(model, placement));
    return replacingSideFiles(path, [stagedRename(dataTemp, dataPath), staged], location);
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

/** A staged model: the model file, and the side file it names if it has one. */
export interface StagedModel extends StagedFile {
  /** The side file's location (relative to the model's folder); undefined for an inline model. */
  readonly dataLocation: string | undefined;
}

/**
 * The staged files (side file first, model last) as one: committing renames them in order, then
 * removes the side files the replaced model named and this one does not.
 */
function replacingSideFiles(
  path: string,
  files: StagedFile[],
  dataLocation: string | undefined,
): StagedModel {
  const model = files[files.length - 1]!;
  return {
    path,
    temporaryPath: model.temporaryPath,
    dataLocation,
    commit(): void {
      const replaced = sideFilesOf(path).filter((location) => location !== dataLocation);
      commitStagedFiles(files);
      for (const location of replaced) removeIfPresent(join(dirname(path), location));
    },
    discard(): void {
      for (const file of files) file.discard();
    },
  };
}

/** A model with external data is small; a larger file is (nearly) all inline weights. */
const SIDE_FILE_SCAN_LIMIT_BYTES = 64 * 1024 ** 2;

/**
 * The side files the model now at `path` keeps data in, among the names saveModel gives
 * (`<name>.data`, `<name>.<8 hex>.data`): those it may remove once it has replaced that model.
 * Other names may be shared with other models and are never touched.
 */
function sideFilesOf(path: string): string[] {
  const own = new RegExp(`^${escapeRegExp(basename(path))}(\\.[0-9a-f]{8})?\\.data$`);
  try {
    const stats = statSync(path, { throwIfNoEntry: false });
    if (stats === undefined || !stats.isFile() || stats.size > SIDE_FILE_SCAN_LIMIT_BYTES)
      return [];
    const model = decodeModel(readFileSync(path), { validate: false, baseDir: dirname(path) });
    const locations = new Set<string>();
    for (const tensor of collectTensors(model)) {
      const location = tensor.externalLocation?.location;
      if (location !== undefined && own.test(location)) locations.add(location);
    }
    return [...locations];
  } catch {
    return [];
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
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
