import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { VitOptError } from '../errors.js';

/** A temp name beside the target, so the final rename never crosses file systems. */
export function temporaryPathFor(path: string): string {
  const suffix = `${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  return join(dirname(path), `.${basename(path)}.tmp-${suffix}`);
}

/**
 * Writes `chunks` to `path` so that a reader (or a crash) sees either the old file or the whole
 * new one, never a half-written file: write a temp file beside it, fsync, then rename.
 */
export function writeFileAtomic(path: string, chunks: Uint8Array | string | Iterable<Uint8Array>): void {
  const temp = temporaryPathFor(path);
  let fd: number | undefined;
  try {
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
    rmSync(temp, { force: true });
    throw new VitOptError('WRITE_FAILED', `cannot write file (${describeFsError(error)})`, {
      subject: path,
      cause: error,
    });
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
    case 'ENOSPC':
      return 'no space left on device';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
