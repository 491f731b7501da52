import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from '@vit-opt/graph';

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

/**
 * The files a Hugging Face model folder keeps beside model.onnx, which `vit-opt eval` and
 * calibration read: a variant written elsewhere needs them too.
 */
const COMPANION_FILES = ['config.json', 'preprocessor_config.json'] as const;

/**
 * Copies the model's config.json and preprocessor_config.json beside a variant written to another
 * folder, atomically, never over a file already there. Returns the names copied.
 */
export function copyCompanionFiles(modelPath: string, outputPath: string): string[] {
  const from = dirname(resolve(modelPath));
  const to = dirname(resolve(outputPath));
  if (isSameFile(from, to)) return [];
  return COMPANION_FILES.filter((name) => {
    const source = join(from, name);
    const target = join(to, name);
    if (!existsSync(source) || existsSync(target)) return false;
    writeFileAtomic(target, readFileSync(source));
    return true;
  });
}
