import {
  closeSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { VitOptError } from '../errors.js';
import { describeFileKind } from './file-kind.js';

/**
 * Refuses to replace what is not a regular file: renaming over /dev/null (as root) would put a
 * regular file in place of the device, over a FIFO or socket would cut off its users. A symbolic
 * link is replaced itself, its target left alone.
 */
export function assertReplaceable(path: string): void {
  let existing;
  try {
    existing = lstatSync(path, { throwIfNoEntry: false });
  } catch {
    return; // A folder on the path is a file or unreadable: writing will say so.
  }
  if (existing === undefined || existing.isFile() || existing.isSymbolicLink()) return;
  throw new VitOptError('WRITE_FAILED', `is ${describeFileKind(existing)}, not a file to replace`, {
    subject: path,
  });
}

/**
 * A temp name beside the target, so the final rename never crosses file systems:
 * `.<name>.tmp-<pid>-<time>-<random>`. The pid lets a later run tell a temp file whose writer
 * died (SIGKILL, power loss) from one a live writer is still filling (removeStaleTemporaryFiles).
 */
export function temporaryPathFor(path: string): string {
  const suffix = `${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  return join(dirname(path), `.${basename(path)}.tmp-${suffix}`);
}

/** Whether a process of this pid runs (on this machine, in this pid namespace). */
function isRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temp files of `path` (see temporaryPathFor) that a writer which no longer runs
 * left behind, and returns their names. Those of live writers are left alone.
 */
export function removeStaleTemporaryFiles(path: string): string[] {
  const prefix = `.${basename(path)}.tmp-`;
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    // saveModel's side file is staged as the model's temp name + '.data'.
    const match = /^(\d+)-[0-9a-z]+-[0-9a-z]*(\.data)?$/.exec(name.slice(prefix.length));
    if (match === null || isRunning(Number(match[1]))) continue;
    removeIfPresent(join(dirname(path), name));
    removed.push(name);
  }
  return removed;
}

/**
 * A file written in full to a temp file beside `path` and fsynced, not yet in place: `commit()`
 * renames it over `path`, `discard()` removes it. Staging every output of a run before committing
 * any lets the run write all of them or none.
 */
export interface StagedFile {
  readonly path: string;
  readonly temporaryPath: string;
  commit(): void;
  discard(): void;
}

/**
 * Writes `chunks` to a temp file beside `path` (creating missing folders, as
 * `-o variants/int8/model.onnx` leads a user to expect) and returns it staged. Stale temp files
 * of `path` left by writers that died are removed first.
 */
export function stageFile(
  path: string,
  chunks: Uint8Array | string | Iterable<Uint8Array>,
): StagedFile {
  const temp = temporaryPathFor(path);
  let fd: number | undefined;
  try {
    assertReplaceable(path);
    mkdirSync(dirname(path), { recursive: true });
    removeStaleTemporaryFiles(path);
    fd = openSync(temp, 'wx');
    if (typeof chunks === 'string' || chunks instanceof Uint8Array) {
      writeAll(fd, typeof chunks === 'string' ? Buffer.from(chunks) : chunks);
    } else {
      for (const chunk of chunks) writeAll(fd, chunk);
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    removeIfPresent(temp);
    throw writeFailed(path, error);
  }
  return stagedRename(temp, path);
}

/** A temp file already written, renamed over `path` on commit. */
export function stagedRename(temporaryPath: string, path: string): StagedFile {
  return {
    path,
    temporaryPath,
    commit(): void {
      try {
        assertReplaceable(path);
        renameSync(temporaryPath, path);
      } catch (error) {
        removeIfPresent(temporaryPath);
        throw writeFailed(path, error);
      }
    },
    discard(): void {
      removeIfPresent(temporaryPath);
    },
  };
}

/**
 * Commits staged files in order; if one fails, the rest are discarded and the error thrown.
 * Renames are quick and rarely fail once the temp files are written beside their targets.
 */
export function commitStagedFiles(files: readonly StagedFile[]): void {
  for (let i = 0; i < files.length; i++) {
    try {
      files[i]!.commit();
    } catch (error) {
      for (const rest of files.slice(i + 1)) rest.discard();
      throw error;
    }
  }
}

/**
 * Writes `chunks` to `path` so that a reader (or a crash) sees either the old file or the whole
 * new one, never a half-written file: write a temp file beside it, fsync, then rename.
 */
export function writeFileAtomic(
  path: string,
  chunks: Uint8Array | string | Iterable<Uint8Array>,
): void {
  stageFile(path, chunks).commit();
}

function writeFailed(path: string, error: unknown): VitOptError {
  if (error instanceof VitOptError) return error;
  return new VitOptError('WRITE_FAILED', `cannot write file (${describeFsError(error)})`, {
    subject: path,
    cause: error,
  });
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
