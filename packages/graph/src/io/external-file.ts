import {
  closeSync,
  constants,
  fstatSync,
  openSync,
  readSync,
  realpathSync,
  statSync,
  type Stats,
} from 'node:fs';
import { isAbsolute, relative, sep } from 'node:path';
import { VitOptError } from '../errors.js';
import { describeFsError } from './atomic-write.js';
import { describeFileKind } from './file-kind.js';

export { describeFileKind };

/** Whether `path` lies strictly inside the folder `root` (both already resolved). */
export function isInsideFolder(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/**
 * The real path of an external data file, after checking that it resolves (symbolic links
 * followed) to a regular file inside the model's folder `root` holding at least `neededBytes`.
 * A FIFO or a device is refused here, before anything opens it: opening a FIFO for reading blocks
 * until a writer comes, and /dev/zero never ends.
 */
export function checkExternalFile(
  path: string,
  root: string,
  neededBytes: number,
  location: string,
  refuse: (message: string, cause?: unknown) => VitOptError,
): string {
  let real: string;
  try {
    real = realpathSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw refuse(`external data file '${location}' does not exist`, error);
    if (code === 'ELOOP')
      throw refuse(`external data file '${location}' is a loop of symbolic links`, error);
    throw refuse(
      `cannot resolve external data file '${location}' (${describeFsError(error)})`,
      error,
    );
  }
  if (!isInsideFolder(root, real)) {
    throw refuse(
      `external data file '${location}' resolves to ${real}, outside the model's folder`,
    );
  }
  let stats: Stats;
  try {
    stats = statSync(real);
  } catch (error) {
    throw refuse(`cannot read external data file '${location}' (${describeFsError(error)})`, error);
  }
  if (!stats.isFile()) {
    throw refuse(
      `external data file '${location}' is ${describeFileKind(stats)}, not a regular file`,
    );
  }
  if (stats.size < neededBytes) {
    throw refuse(
      `external data file '${location}' holds ${stats.size} bytes; the tensor ends at byte ${neededBytes}`,
    );
  }
  return real;
}

export interface ExternalRange {
  /** The side file (absolute). */
  readonly path: string;
  /** The location as the model wrote it, for messages. */
  readonly location: string;
  /** The folder the file must stay inside (resolved), when known. */
  readonly root?: string;
  readonly offset: number;
  readonly length: number;
}

/**
 * Reads `length` bytes at `offset` of a side file. The checks of checkExternalFile are made again,
 * since the file may have changed since the model was loaded, and once more on the open file
 * descriptor: the read never blocks on a FIFO nor runs past what the file held when opened.
 */
export function readExternalRange(range: ExternalRange, tensorName: string): Uint8Array {
  const refuse = (message: string, cause?: unknown): VitOptError =>
    new VitOptError('EXTERNAL_DATA', `tensor '${tensorName}': ${message}`, {
      subject: range.path,
      ...(cause === undefined ? {} : { cause }),
    });
  const end = range.offset + range.length;
  const path =
    range.root === undefined
      ? range.path
      : checkExternalFile(range.path, range.root, end, range.location, refuse);
  let fd: number | undefined;
  try {
    // O_NONBLOCK: should the file have been swapped for a FIFO, opening it must not wait.
    // O_NOFOLLOW: nor may it have been swapped for a symbolic link.
    fd = openSync(
      path,
      constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0),
    );
    const stats = fstatSync(fd);
    if (!stats.isFile()) {
      throw refuse(
        `external data file '${range.location}' is ${describeFileKind(stats)}, not a regular file`,
      );
    }
    if (stats.size < end) {
      throw refuse(
        `external data ends early: wanted ${range.length} bytes at offset ${range.offset}, the file holds ${stats.size}`,
      );
    }
    const bytes = Buffer.allocUnsafe(range.length);
    let done = 0;
    while (done < range.length) {
      const n = readSync(fd, bytes, done, range.length - done, range.offset + done);
      if (n === 0) break;
      done += n;
    }
    if (done !== range.length) {
      throw refuse(
        `external data ends early: wanted ${range.length} bytes at offset ${range.offset}, the file has ${range.offset + done}`,
      );
    }
    return bytes;
  } catch (error) {
    if (error instanceof VitOptError) throw error;
    throw refuse(`cannot read external data (${describeFsError(error)})`, error);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
