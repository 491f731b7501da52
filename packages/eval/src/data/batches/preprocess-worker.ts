import { parentPort, workerData } from 'node:worker_threads';
import { VitOptError, describeFsError, isVitOptError, readRegularFileAsync } from '@vit-opt/graph';
import { decodeImage } from '../preprocess/decode.js';
import { CHANNELS, preprocessImage, preprocessedSize } from '../preprocess/preprocess-image.js';
import type { RgbImage } from '../preprocess/rgb-image.js';
import type {
  BatchTask,
  BatchTaskResult,
  ImageFailure,
  WorkerReply,
  WorkerSetup,
} from './batch-protocol.js';

/**
 * A preprocessing worker thread: reads, decodes (sharp) and preprocesses the images of one batch
 * at a time, once per config (a model and a baseline that takes another input size), and sends
 * the batch's pixels back by transfer. An image that fails is reported in
 * the result; only a bug ends a task with a crash reply.
 */
const { configs, limits } = workerData as WorkerSetup;
const imageLengths = configs.map((config) => {
  const { height, width } = preprocessedSize(config);
  return CHANNELS * height * width;
});
const port = parentPort;
if (port === null) throw new Error('preprocess-worker must run in a worker thread');

port.on('message', (task: BatchTask) => {
  preprocessBatch(task).then(
    (result) =>
      port.postMessage(
        { kind: 'result', result } satisfies WorkerReply,
        result.pixels.map((pixels) => pixels.buffer),
      ),
    (error: unknown) =>
      port.postMessage({ kind: 'crash', message: String(error) } satisfies WorkerReply),
  );
});

async function preprocessBatch(task: BatchTask): Promise<BatchTaskResult> {
  const slots = Math.max(task.items.length, task.padTo ?? 0);
  const pixels = imageLengths.map((length) => new Float32Array(slots * length));
  const decoded: number[] = [];
  const failures: ImageFailure[] = [];
  // Reading and decoding (sharp, off this thread) of the next image overlaps the resize of this one.
  let next = task.items.length > 0 ? loadImage(task.items[0]!) : undefined;
  for (let position = 0; position < task.items.length; position++) {
    const loaded = await next!;
    const following = task.items[position + 1];
    next = following === undefined ? undefined : loadImage(following);
    if ('failure' in loaded) {
      failures.push(loaded.failure);
      continue;
    }
    // Decoded once, so an image is in every config's pixels or (failed) in none.
    configs.forEach((config, at) => {
      const offset = decoded.length * imageLengths[at]!;
      preprocessImage(loaded.image, config, { data: pixels[at]!, offset });
    });
    decoded.push(position);
  }
  const images = task.padTo ?? decoded.length;
  return {
    decoded,
    failures,
    pixels: pixels.map((data, at) => data.subarray(0, images * imageLengths[at]!)),
  };
}

type Loaded = { readonly image: RgbImage } | { readonly failure: ImageFailure };

async function loadImage(item: BatchTask['items'][number]): Promise<Loaded> {
  try {
    // Only a regular file, no larger than the limit: a FIFO would block the read, /dev/zero
    // never end.
    const bytes = await readRegularFileAsync(item.path, {
      what: 'an image file',
      maxBytes: limits.maxImageBytes,
    }).catch((error: unknown) => {
      if (!isVitOptError(error)) throw error;
      throw new VitOptError(error.code, `cannot read file: ${error.message}`, { cause: error });
    });
    return { image: await decodeImage(bytes, item.path, { maxPixels: limits.maxImagePixels }) };
  } catch (error) {
    const code = isVitOptError(error) ? error.code : fsErrorCode(error);
    const reason = isVitOptError(error)
      ? error.message
      : `cannot read file (${describeFsError(error)})`;
    return { failure: { index: item.index, path: item.path, code, reason } };
  }
}

function fsErrorCode(error: unknown): ImageFailure['code'] {
  return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'FILE_UNREADABLE';
}
