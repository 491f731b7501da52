import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { VitOptError, describeFsError } from '@vit-opt/graph';

/** A file of a folder written at once: its path inside the folder, and its bytes. */
export interface FolderFile {
  readonly path: string;
  readonly bytes: Uint8Array | string;
}

/**
 * Writes a whole folder so a reader (or a crash, or Ctrl-C) sees the old folder or the complete
 * new one, never half of one: every file goes into a temp folder beside `dir`, is fsynced, and the
 * temp folder is renamed to `dir`. An existing `dir` is replaced only when `isReplaceable` says
 * it holds nothing but what such a write makes (a report must not wipe a folder of other files);
 * it is moved aside first and removed after the rename. Returns the paths written.
 */
export function writeDirectoryAtomic(
  dir: string,
  files: readonly FolderFile[],
  isReplaceable: (entries: readonly string[]) => boolean,
): string[] {
  const target = resolve(dir);
  const suffix = `${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const temp = join(dirname(target), `.${basename(target)}.tmp-${suffix}`);
  const old = join(dirname(target), `.${basename(target)}.old-${suffix}`);
  const existing = existingEntries(dir);
  if (existing !== null && existing.length > 0 && !isReplaceable(existing)) {
    throw new VitOptError(
      'INVALID_ARGUMENT',
      'exists and holds files a report did not write; give a new or empty folder',
      { subject: dir },
    );
  }
  try {
    mkdirSync(temp, { recursive: true });
    for (const file of files) writeSynced(join(temp, file.path), file.bytes);
    if (existing !== null) renameSync(target, old);
    try {
      renameSync(temp, target);
    } catch (error) {
      if (existing !== null) renameSync(old, target);
      throw error;
    }
  } catch (error) {
    rmSync(temp, { recursive: true, force: true });
    throw new VitOptError('WRITE_FAILED', `cannot write the report (${describeFsError(error)})`, {
      subject: dir,
      cause: error,
    });
  }
  rmSync(old, { recursive: true, force: true });
  return files.map((file) => join(dir, file.path));
}

/** The folder's entries (files and folders, recursively, relative); null when it does not exist. */
function existingEntries(dir: string): string[] | null {
  let stats;
  try {
    stats = statSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new VitOptError(
      'FILE_UNREADABLE',
      `cannot read the output folder (${describeFsError(error)})`,
      {
        subject: dir,
        cause: error,
      },
    );
  }
  if (!stats.isDirectory()) {
    throw new VitOptError('INVALID_ARGUMENT', 'is a file; the report needs a folder', {
      subject: dir,
    });
  }
  return readdirSync(dir, { recursive: true, encoding: 'utf8' });
}

function writeSynced(path: string, bytes: Uint8Array | string): void {
  mkdirSync(dirname(path), { recursive: true });
  const data = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
  const fd = openSync(path, 'w');
  try {
    let offset = 0;
    while (offset < data.byteLength)
      offset += writeSync(fd, data, offset, data.byteLength - offset);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
