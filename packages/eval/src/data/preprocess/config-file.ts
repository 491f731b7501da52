import { stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { readUserJson } from '../user-files.js';
import {
  resolvePreprocessConfig,
  type PreprocessConfig,
  type PreprocessOverrides,
} from './config.js';

export const PREPROCESSOR_CONFIG_FILE = 'preprocessor_config.json';

/**
 * The `preprocessor_config.json` that goes with a model: inside the model folder when given a
 * folder, else beside the model file, else one level up when the model sits in an `onnx/`
 * folder (the Hugging Face Hub layout). Null when there is none.
 */
export async function findPreprocessorConfig(modelPath: string): Promise<string | null> {
  const folder = (await isDirectory(modelPath)) ? modelPath : dirname(modelPath);
  const candidates = [join(folder, PREPROCESSOR_CONFIG_FILE)];
  if (basename(folder) === 'onnx') candidates.push(join(dirname(folder), PREPROCESSOR_CONFIG_FILE));
  for (const candidate of candidates) {
    if ((await stat(candidate).catch(() => undefined))?.isFile()) return candidate;
  }
  return null;
}

/** Reads and validates a `preprocessor_config.json`, then applies `overrides`. */
export async function loadPreprocessConfig(
  path: string,
  overrides: PreprocessOverrides = {},
): Promise<PreprocessConfig> {
  const json = await readUserJson(path, 'preprocessor config');
  return resolvePreprocessConfig(json, { source: path, overrides });
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}
