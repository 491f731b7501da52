import { readdir, realpath, stat } from 'node:fs/promises';
import { extname, join, relative, resolve } from 'node:path';
import { VitOptError, describeFsError } from '@vit-opt/graph';
import { compareNames, type Dataset, type DatasetItem } from './dataset.js';
import { describeKnownLabels, resolveLabelIndex, type LabelSource } from './labels.js';

/**
 * Files taken as images, by extension. BMP is listed although sharp cannot decode it, so such
 * files are reported as failures instead of silently left out.
 */
const IMAGE_EXTENSIONS = new Set([
  '.jpg',
  '.jpeg',
  '.jpe',
  '.jfif',
  '.png',
  '.webp',
  '.gif',
  '.tif',
  '.tiff',
  '.avif',
  '.bmp',
]);

/**
 * An ImageFolder dataset, `root/<class>/<image>` (images may sit in subfolders of a class
 * folder). Each class folder's name must be a label of `labels`; items are ordered by class
 * folder name, then by path within it, both byte-wise. Hidden files and folders are skipped.
 * Item paths are absolute.
 */
export async function readImageFolder(folder: string, labels: LabelSource): Promise<Dataset> {
  const root = resolve(folder);
  const labelIndex = await resolveLabelIndex(labels);
  if (labelIndex === undefined) {
    throw new VitOptError(
      'INVALID_ARGUMENT',
      "an image folder needs labels to match its class folders: the model's id2label or a labels file",
      { subject: root },
    );
  }
  const classFolders = (await listEntries(root)).filter((entry) => entry.isDirectory);
  const items: DatasetItem[] = [];
  for (const folder of classFolders.sort((a, b) => compareNames(a.name, b.name))) {
    const label = labelIndex.get(folder.name);
    if (label === undefined) {
      throw new VitOptError(
        'INVALID_ARGUMENT',
        `class folder "${folder.name}" is not one of the labels (${describeKnownLabels(labelIndex)})`,
        { subject: join(root, folder.name) },
      );
    }
    const folderPath = join(root, folder.name);
    const images = await listImages(folderPath);
    images.sort((a, b) => compareNames(relative(folderPath, a), relative(folderPath, b)));
    for (const path of images) items.push({ index: items.length, path, label });
  }
  if (items.length === 0) {
    throw new VitOptError('INVALID_ARGUMENT', 'no images found (expected <root>/<class>/<image>)', {
      subject: root,
    });
  }
  return { source: root, items };
}

interface FolderEntry {
  readonly name: string;
  readonly isDirectory: boolean;
}

/**
 * Non-hidden entries, symbolic links followed. A link that leads nowhere (its target is missing,
 * or links loop) is an entry that is not a folder: if its name is an image's, reading it fails
 * for that image alone, which is skipped and counted like any unreadable image.
 */
async function listEntries(folder: string): Promise<FolderEntry[]> {
  try {
    const entries = await readdir(folder, { withFileTypes: true });
    const visible = entries.filter((entry) => !entry.name.startsWith('.'));
    return await Promise.all(
      visible.map(async (entry) => ({
        name: entry.name,
        isDirectory: entry.isSymbolicLink()
          ? ((await stat(join(folder, entry.name)).catch(() => undefined))?.isDirectory() ?? false)
          : entry.isDirectory(),
      })),
    );
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new VitOptError(
      code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'FILE_UNREADABLE',
      `cannot list folder (${code === 'ENOTDIR' ? 'not a folder' : describeFsError(error)})`,
      { subject: folder, cause: error },
    );
  }
}

/**
 * The image files under `folder`, subfolders included. `visited` holds the real paths of the
 * folders listed so far: a symbolic link back to one of them (a loop) is not followed again.
 */
async function listImages(folder: string, visited: Set<string> = new Set()): Promise<string[]> {
  const real = await realpath(folder).catch(() => folder);
  if (visited.has(real)) return [];
  visited.add(real);
  const images: string[] = [];
  for (const entry of await listEntries(folder)) {
    const path = join(folder, entry.name);
    if (entry.isDirectory) images.push(...(await listImages(path, visited)));
    else if (IMAGE_EXTENSIONS.has(extname(entry.name).toLowerCase())) images.push(path);
  }
  return images;
}
