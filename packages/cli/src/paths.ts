import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { stageFile, writeFileAtomic, type StagedFile } from '@vit-opt/graph';
import { canonicalPath, type RunPath } from './outputs.js';

/** Whether two paths name the same file (through symlinks and `.`/`..`), existing or not. */
export function isSameFile(a: string, b: string): boolean {
  return canonicalPath(a) === canonicalPath(b);
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
  return companionCopies(modelPath, outputPath).map(({ name, source, target }) => {
    writeFileAtomic(target, readFileSync(source));
    return name;
  });
}

/**
 * copyCompanionFiles staged, to be committed with the run's other outputs: the names copied and
 * the staged files.
 */
export function stageCompanionFiles(
  modelPath: string,
  outputPath: string,
): { names: string[]; staged: StagedFile[] } {
  const copies = companionCopies(modelPath, outputPath);
  const staged: StagedFile[] = [];
  try {
    for (const { source, target } of copies) staged.push(stageFile(target, readFileSync(source)));
  } catch (error) {
    for (const file of staged) file.discard();
    throw error;
  }
  return { names: copies.map((copy) => copy.name), staged };
}

/**
 * The config files stageCompanionFiles will write beside the output, as outputs for checkOutputs:
 * another output of the run (a --report named config.json in the output's folder) must not be one.
 */
export function companionOutputs(modelPath: string, outputPath: string): RunPath[] {
  return companionCopies(modelPath, outputPath).map(({ name, target }) => ({
    what: `the copy of the model's ${name}`,
    path: target,
  }));
}

function companionCopies(modelPath: string, outputPath: string) {
  const from = dirname(resolve(modelPath));
  const to = dirname(resolve(outputPath));
  if (isSameFile(from, to)) return [];
  return COMPANION_FILES.flatMap((name) => {
    const source = join(from, name);
    const target = join(to, name);
    return !existsSync(source) || existsSync(target) ? [] : [{ name, source, target }];
  });
}
