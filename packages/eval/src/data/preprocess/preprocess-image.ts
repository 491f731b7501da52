import { VitOptError } from '@vit-opt/graph';
import type { ImageSize, PreprocessConfig, ResizeTarget } from './config.js';
import { resizeRgb } from './resize.js';
import type { RgbImage } from './rgb-image.js';

export const CHANNELS = 3;

/**
 * The size HF resizes a `width` x `height` image to. A shortest-edge target keeps the aspect
 * ratio and truncates the long side, as transformers' `get_resize_output_image_size` does.
 */
export function resizedSize(target: ResizeTarget, width: number, height: number): ImageSize {
  if (!('shortestEdge' in target)) return target;
  const short = Math.min(width, height);
  const long = Math.max(width, height);
  const newLong = Math.trunc((target.shortestEdge * long) / short);
  return width <= height
    ? { height: newLong, width: target.shortestEdge }
    : { height: target.shortestEdge, width: newLong };
}

/** The height and width of every preprocessed image, or an error if they depend on the image. */
export function preprocessedSize(config: PreprocessConfig): ImageSize {
  if (config.cropSize !== null) return config.cropSize;
  if (config.size !== null && !('shortestEdge' in config.size)) return config.size;
  throw new VitOptError(
    'INVALID_ARGUMENT',
    'preprocessing does not give every image the same size: it needs a center crop or a resize to height x width',
  );
}

/**
 * Resize, center crop, rescale and normalize one image into CHW float32, written into `target`
 * at `offset` (a slot of a batch) or into a new array. Returns the CHW values written.
 */
export function preprocessImage(
  image: RgbImage,
  config: PreprocessConfig,
  target?: { data: Float32Array; offset: number },
): Float32Array {
  let resized = image;
  if (config.size !== null) {
    const { width, height } = resizedSize(config.size, image.width, image.height);
    resized = resizeRgb(image, width, height, config.resample);
  }
  const { height, width } = config.cropSize ?? resized;
  const planeSize = height * width;
  const out =
    target === undefined
      ? new Float32Array(CHANNELS * planeSize)
      : target.data.subarray(target.offset, target.offset + CHANNELS * planeSize);
  if (out.length !== CHANNELS * planeSize) {
    throw new VitOptError('INVALID_ARGUMENT', 'the target array has no room for the image', {
      subject: 'target',
    });
  }

  const table = valueTable(config);
  // HF's center crop: the crop window starts at floor((size - crop) / 2) on each axis, which is
  // negative when the crop is larger; what falls outside the image is 0 before rescaling.
  const top = Math.floor((resized.height - height) / 2);
  const left = Math.floor((resized.width - width) / 2);
  const pixels = resized.data;
  for (let y = 0; y < height; y++) {
    const sourceY = y + top;
    const rowInside = sourceY >= 0 && sourceY < resized.height;
    for (let x = 0; x < width; x++) {
      const sourceX = x + left;
      const at = y * width + x;
      if (rowInside && sourceX >= 0 && sourceX < resized.width) {
        const pixel = (sourceY * resized.width + sourceX) * 3;
        out[at] = table[pixels[pixel] as number] as number;
        out[planeSize + at] = table[256 + (pixels[pixel + 1] as number)] as number;
        out[2 * planeSize + at] = table[512 + (pixels[pixel + 2] as number)] as number;
      } else {
        out[at] = table[0] as number;
        out[planeSize + at] = table[256] as number;
        out[2 * planeSize + at] = table[512] as number;
      }
    }
  }
  return out;
}

const valueTables = new WeakMap<PreprocessConfig, Float32Array>();

/**
 * Every 8-bit value's rescaled and normalized float, per channel (3 x 256). Rounded like HF:
 * the rescale is a float64 product cast to float32, the normalization float32 arithmetic.
 */
function valueTable(config: PreprocessConfig): Float32Array {
  let table = valueTables.get(config);
  if (table !== undefined) return table;
  table = new Float32Array(CHANNELS * 256);
  for (let channel = 0; channel < CHANNELS; channel++) {
    const mean = Math.fround(config.normalize?.mean[channel] ?? 0);
    const std = Math.fround(config.normalize?.std[channel] ?? 1);
    for (let value = 0; value < 256; value++) {
      let x = config.rescaleFactor === null ? value : Math.fround(value * config.rescaleFactor);
      if (config.normalize !== null) x = Math.fround(Math.fround(x - mean) / std);
      table[channel * 256 + value] = x;
    }
  }
  valueTables.set(config, table);
  return table;
}
