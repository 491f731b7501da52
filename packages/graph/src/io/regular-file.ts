import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readSync,
  statSync,
  type Stats,
} from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { VitOptError } from '../errors.js';
import { describeFsError } from './atomic-write.js';
import { describeFileKind } from './file-kind.js';

export interface ReadRegularFileOptions {
  /** What the file is meant to be, for messages: "an ONNX model file", "an image file". */
  readonly what: string;
  /** Refuse a file larger than this (default: no limit but the file's own size). */
  readonly maxBytes?: number;
}

/**
 * O_NONBLOCK: should the path have become a FIFO since it was checked, opening it must not wait
 * for a writer. Reads of a regular file are not affected.
 */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/** Whether `path` is a symbolic link (one whose target is missing, when stat said ENOENT). */
function isSymbolicLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** The one-line error for a path that cannot be stat'ed or opened. */
function unreadable(path: string, error: unknown): VitOptError {
  const code = (error as NodeJS.ErrnoException).code;
  const reason =
    code === 'ENOENT'
      ? isSymbolicLink(path)
        ? 'a symbolic link to nothing (its target does not exist)'
        : 'no such file'
      : code === 'ELOOP'
        ? 'a loop of symbolic links'
        : `cannot read the file (${describeFsError(error)})`;
  return new VitOptError(code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'FILE_UNREADABLE', reason, {
    subject: path,
    cause: error,
  });
}

/** Refuses what is not a regular file, or one larger than the limit. */
function checkStats(path: string, stats: Stats, options: ReadRegularFileOptions): void {
  if (!stats.isFile()) {
    throw new VitOptError('FILE_UNREADABLE', `is ${describeFileKind(stats)}, not ${options.what}`, {
      subject: path,
    });
  }
  if (options.maxBytes !== undefined && stats.size > options.maxBytes) {
    throw new VitOptError(
      'FILE_UNREADABLE',
      `is ${stats.size} bytes, more than the ${options.maxBytes} bytes ${options.what} may have here`,
      { subject: path },
    );
  }
}

/**
 * The bytes of a regular file (symbolic links followed). A FIFO, a device (/dev/zero), a socket
 * or a directory is refused before it is opened, and the read stops at the size the file had
 * when opened: nothing can make it block or read without end.
 */
export function readRegularFile(path: string, options: ReadRegularFileOptions): Buffer {
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch (error) {
    throw unreadable(path, error);
  }
  checkStats(path, stats, options);
  let fd: number | undefined;
  try {
    fd = openSync(path, OPEN_FLAGS);
    const opened = fstatSync(fd);
    checkStats(path, opened, options);
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
    throw unreadable(path, error);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** readRegularFile without blocking the event loop. */
export async function readRegularFileAsync(
  path: string,
  options: ReadRegularFileOptions,
): Promise<Buffer> {
  let handle;
  try {
    checkStats(path, await stat(path), options);
    handle = await open(path, OPEN_FLAGS);
    const opened = await handle.stat();
    checkStats(path, opened, options);
    const bytes = Buffer.allocUnsafe(opened.size);
    let done = 0;
    while (done < bytes.byteLength) {
      const { bytesRead } = await handle.read(bytes, done, bytes.byteLength - done, done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done === bytes.byteLength ? bytes : bytes.subarray(0, done);
  } catch (error) {
    if (error instanceof VitOptError) throw error;
    throw unreadable(path, error);
  } finally {
    await handle?.close();
  }
}
