import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { VitOptError, describeFsError } from '@vit-opt/graph';

/** SHA-256 of a file as lowercase hex, streamed so a multi-gigabyte model is never in memory. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
      hash.update(chunk as Buffer);
    }
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new VitOptError(
      missing ? 'FILE_NOT_FOUND' : 'FILE_UNREADABLE',
      missing ? 'no such file' : `cannot read the file (${describeFsError(error)})`,
      { subject: path, cause: error },
    );
  }
  return hash.digest('hex');
}
