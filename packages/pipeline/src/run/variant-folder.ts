import {
  copyFileSync,
  existsSync,
  linkSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { VitOptError, describeFsError } from '@vit-opt/graph';

const TEMP_MARK = '.tmp-';
const OLD_MARK = '.old-';

/** A hidden folder beside `dir` to build its new contents in. */
export function makeTempFolder(dir: string): string {
  try {
    return mkdtempSync(join(dirname(dir), `.${basename(dir)}${TEMP_MARK}`));
  } catch (error) {
    throw new VitOptError('WRITE_FAILED', `cannot make a folder (${describeFsError(error)})`, {
      subject: dirname(dir),
      cause: error,
    });
  }
}

/**
 * Puts the finished `temp` in `dir`'s place: `dir` is either its old self or the new one, never
 * part of each (a crash between the two renames leaves no folder, never a mixed one).
 */
export function replaceFolder(temp: string, dir: string): void {
  const old = `${join(dirname(dir), `.${basename(dir)}`)}${OLD_MARK}${process.pid}`;
  try {
    if (existsSync(dir)) renameSync(dir, old);
    renameSync(temp, dir);
  } catch (error) {
    throw new VitOptError(
      'WRITE_FAILED',
      `cannot put the new folder in place (${describeFsError(error)})`,
      {
        subject: dir,
        cause: error,
      },
    );
  }
  rmSync(old, { recursive: true, force: true });
}

/** Removes what an earlier run killed mid-way left: hidden temp and old folders. */
export function removeLeftovers(parent: string): void {
  if (!existsSync(parent)) return;
  for (const name of readdirSync(parent)) {
    if (name.startsWith('.') && (name.includes(TEMP_MARK) || name.includes(OLD_MARK))) {
      rmSync(join(parent, name), { recursive: true, force: true });
    }
  }
}

/** Hard-links `from` at `to` (same bytes, no copy), copying where links cannot be made. */
export function linkOrCopy(from: string, to: string): void {
  try {
    linkSync(from, to);
  } catch {
    copyFileSync(from, to);
  }
}
