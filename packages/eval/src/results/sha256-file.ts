import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { VitOptError, describeFileKind, describeFsError } from '@vit-opt/graph';

/**
 * SHA-256 of a regular file as lowercase hex, streamed so a multi-gigabyte model is never in
 * memory. A FIFO or a device is refused before it is opened (the hash would wait or never end).
 */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    const info = await stat(path);
    if (!info.isFile()) {
      throw new VitOptError('FILE_UNREADABLE', `is ${describeFileKind(info)}, not a regular file`, {
        subject: path,
      });
    }
    if (info.size > 0) {
      // O_NONBLOCK: a path swapped for a FIFO since the stat must not make the open wait; the
      // read ends at the size the file had, should it grow meanwhile.
      const handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
      try {
        const opened = await handle.stat();
        if (!opened.isFile()) {
          throw new VitOptError('FILE_UNREADABLE', `is ${describeFileKind(opened)}, not a regular file`, {
            subject: path,
          });
        }
        const stream = handle.createReadStream({ highWaterMark: 1 << 20, start: 0, end: info.size - 1, autoClose: false });
        for await (const chunk of stream) hash.update(chunk as Buffer);
      } finally {
        await handle.close();
      }
    }
  } catch (error) {
    if (error instanceof VitOptError) throw error;
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new VitOptError(
      missing ? 'FILE_NOT_FOUND' : 'FILE_UNREADABLE',
      missing ? 'no such file' : `cannot read the file (${describeFsError(error)})`,
      { subject: path, cause: error },
    );
  }
  return hash.digest('hex');
}
