import { stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { VitOptError } from '@vit-opt/graph';
import { readUserJson } from '../data/user-files.js';

/** The Hugging Face `config.json` beside a model (or one level up from an `onnx/` folder). */
export async function findModelConfig(modelPath: string): Promise<string | null> {
  const folder = dirname(modelPath);
  const candidates = [join(folder, 'config.json')];
  if (basename(folder) === 'onnx') candidates.push(join(dirname(folder), 'config.json'));
  for (const candidate of candidates) {
    if ((await stat(candidate).catch(() => undefined))?.isFile()) return candidate;
  }
  return null;
}

/** `id2label` of the model's config.json; undefined when there is no config or no labels. */
export async function readId2Label(
  modelPath: string,
): Promise<Readonly<Record<string, string>> | undefined> {
  const path = await findModelConfig(modelPath);
  if (path === null) return undefined;
  const config = await readUserJson(path, 'model config');
  const id2label = (config as { id2label?: unknown } | null)?.id2label;
  if (id2label === undefined) return undefined;
  if (typeof id2label !== 'object' || id2label === null || Array.isArray(id2label)) {
    throw new VitOptError('CORRUPT', 'id2label must be an object of index → label name', {
      subject: path,
    });
  }
  return id2label as Record<string, string>;
}
