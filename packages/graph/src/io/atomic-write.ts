import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { VitOptError } from '../errors.js';

/** A temp name beside the target, so the final rename never crosses file systems. */
export function temporaryPathFor(path: string): string {
  const suffix = `${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  return join(dirname(path), `.${basename(path)}.tmp-${suffix}`);
}

/**
 * Writes `chunks` to `path` so that a reader (or a crash) sees either the old file or the whole
 * new one, never a half-written file: write a temp file beside it, fsync, then rename. Missing
 * folders of `path` are created, as `-o variants/int8/model.onnx` leads a user to expect.
 */
export function writeFileAtomic(
  path: string,
  chunks: Uint8Array | string | Iterable<Uint8Array>,
): void {
  const temp = temporaryPathFor(path);
  let fd: number | undefined;
  try {
    mkdirSync(dirname(path), { recursive: true });
    fd = openSync(temp, 'w');
    if (typeof chunks === 'string' || chunks instanceof Uint8Array) {
      writeAll(fd, typeof chunks === 'string' ? Buffer.from(chunks) : chunks);
    } else {
      for (const chunk of chunks) writeAll(fd, chunk);
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, path);
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    removeIfPresent(temp);
    throw new VitOptError('WRITE_FAILED', `cannot write file (${describeFsError(error)})`, {
      subject: path,
      cause: error,
    });
  }
}

/** Removes a temp file after a failed write; a path that cannot exist (ENOTDIR) is fine too. */
export function removeIfPresent(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // Nothing was written there: the write failed before creating it.
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.byteLength) {
    offset += writeSync(fd, bytes, offset, bytes.byteLength - offset);
  }
}

export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
    case 'EEXIST': // mkdir of a folder whose name a file already takes
      return 'a folder on the path is a file';
    case 'ENOSPC':
      return 'no space left on device';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
