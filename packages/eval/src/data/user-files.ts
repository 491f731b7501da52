import { readFile } from 'node:fs/promises';
import { VitOptError, describeFsError } from '@vit-opt/graph';

/**
 * The text of a file the user pointed at, or a one-line error naming the file, what it was meant
 * to be (`what`: "labels file") and why it cannot be read.
 */
export async function readUserFile(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'FILE_UNREADABLE';
    throw new VitOptError(code, `cannot read ${what} (${describeFsError(error)})`, {
      subject: path,
      cause: error,
    });
  }
}

/** `text` parsed as JSON, or a one-line error naming the file it came from. */
export function parseUserJson(text: string, path: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new VitOptError('CORRUPT', `${what} is not valid JSON (${(error as Error).message})`, {
      subject: path,
      cause: error,
    });
  }
}

/** A JSON file the user pointed at, parsed; one-line errors as readUserFile and parseUserJson. */
export async function readUserJson(path: string, what: string): Promise<unknown> {
  return parseUserJson(await readUserFile(path, what), path, what);
}
