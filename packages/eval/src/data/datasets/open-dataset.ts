import { stat } from 'node:fs/promises';
import { VitOptError, describeFsError } from '@vit-opt/graph';
import type { Dataset } from './dataset.js';
import { readImageFolder } from './image-folder.js';
import type { LabelSource } from './labels.js';
import { readManifest } from './manifest.js';

/** A folder is read as an ImageFolder dataset, a file as a manifest (CSV or JSON Lines). */
export async function openDataset(path: string, labels: LabelSource): Promise<Dataset> {
  const info = await stat(path).catch((error: unknown) => {
    const code =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'FILE_UNREADABLE';
    throw new VitOptError(code, `cannot open dataset (${describeFsError(error)})`, {
      subject: path,
      cause: error,
    });
  });
  return info.isDirectory() ? readImageFolder(path, labels) : readManifest(path, labels);
}
