import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';

/** Whether two paths name the same file (through symlinks and `.`/`..`), existing or not. */
export function isSameFile(a: string, b: string): boolean {
  const canonical = (path: string): string => {
    try {
      return realpathSync(path);
    } catch {
      return resolve(path);
    }
  };
  return canonical(a) === canonical(b);
}
