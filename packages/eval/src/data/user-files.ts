import { VitOptError, isVitOptError, readRegularFileAsync } from '@vit-opt/graph';

/** JSON and label files are small; a larger one is not what it claims to be. */
const MAX_USER_FILE_BYTES = 256 * 1024 * 1024;

/**
 * The text of a file the user pointed at, or a one-line error naming the file, what it was meant
 * to be (`what`: "labels file") and why it cannot be read. Only a regular file of at most
 * `maxBytes` is read: a FIFO or a device is refused before it is opened.
 */
export async function readUserFile(
  path: string,
  what: string,
  maxBytes = MAX_USER_FILE_BYTES,
): Promise<string> {
  try {
    return (await readRegularFileAsync(path, { what: `a ${what}`, maxBytes })).toString('utf8');
  } catch (error) {
    if (!isVitOptError(error)) throw error;
    throw new VitOptError(error.code, `cannot read ${what}: ${error.message}`, {
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
