import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { sha256File } from '@vit-opt/eval';

/** SHA-256 of a JSON value with its object keys sorted, so equal values hash equal. */
export function hashJson(value: unknown): string {
  return createHash('sha256').update(stableJson(value)).digest('hex');
}

function stableJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
}

/**
 * SHA-256 over every file under `folder` (hidden ones left out): its '/'-separated path and its
 * bytes' SHA-256, in path order. Modification times are left out: a fresh checkout changes them,
 * not the images.
 */
export async function hashFolder(folder: string): Promise<string> {
  const files: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile() || entry.isSymbolicLink()) files.push(path);
    }
  };
  await walk(folder);
  files.sort();
  const hash = createHash('sha256').update('vit-opt.folder/1\n');
  for (const path of files) {
    hash.update(`${relative(folder, path).split(sep).join('/')}\t${await fileSha256(path)}\n`);
  }
  return hash.digest('hex');
}

/** Small files (images) read whole: a stream per file costs more than the read itself. */
const WHOLE_FILE_LIMIT_BYTES = 8 * 1024 ** 2;

async function fileSha256(path: string): Promise<string> {
  if (statSync(path).size > WHOLE_FILE_LIMIT_BYTES) return sha256File(path);
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}
