import {
  convolutionKernel,
  type ConvolutionFilter,
  type ResampleFilter,
} from './resample-filters.js';
import type { RgbImage } from './rgb-image.js';

/**
 * Pillow-compatible `Image.resize(size, filter)` of an 8-bit RGB image.
 *
 * Pillow resamples separably with an antialiasing kernel whose support grows with the downscale
 * factor, in 22-bit fixed point, rounding and clipping to 8 bits after the horizontal pass and
 * again after the vertical one. Doing the same steps in the same order gives the same bytes,
 * which libvips' kernels (sharp) do not. Nearest neighbour is Pillow's affine nearest sampling.
 */
export function resizeRgb(
  image: RgbImage,
  width: number,
  height: number,
  filter: ResampleFilter,
): RgbImage {
  if (width === image.width && height === image.height) return image;
  if (filter === 'nearest') return resizeNearest(image, width, height);

  const vertical = axisCoefficients(image.height, height, filter);
  // Only the source rows the vertical pass reads need a horizontal pass.
  const firstRow = vertical.starts[0] ?? 0;
  const lastRow = (vertical.starts[height - 1] ?? 0) + (vertical.counts[height - 1] ?? 0);

  let rows = image;
  let rowOffset = 0;
  if (width !== image.width) {
    rows = resampleRows(
      image,
      width,
      firstRow,
      lastRow,
      axisCoefficients(image.width, width, filter),
    );
    rowOffset = firstRow;
  }
  if (height === image.height) return rows;
  return resampleColumns(rows, height, rowOffset, vertical);
}

/** Per output pixel on one axis: the first source pixel, how many it reads, and their weights. */
interface AxisCoefficients {
  readonly starts: Int32Array;
  readonly counts: Int32Array;
  /** Fixed-point weights, `taps` slots per output pixel. */
  readonly weights: Int32Array;
  readonly taps: number;
}

const PRECISION_BITS = 22;
const FIXED_ONE = 1 << PRECISION_BITS;
const ROUNDING = 1 << (PRECISION_BITS - 1);

// A dataset of photos has a handful of distinct sizes per axis; a small cache avoids
// recomputing the tables for every image without growing without bound.
const COEFFICIENT_CACHE_LIMIT = 64;
const coefficientCache = new Map<string, AxisCoefficients>();

function axisCoefficients(
  inSize: number,
  outSize: number,
  filter: ConvolutionFilter,
): AxisCoefficients {
  const key = `${filter}:${inSize}:${outSize}`;
  let coefficients = coefficientCache.get(key);
  if (coefficients === undefined) {
    coefficients = computeAxisCoefficients(inSize, outSize, filter);
    if (coefficientCache.size >= COEFFICIENT_CACHE_LIMIT) {
      const oldest = coefficientCache.keys().next().value;
      if (oldest !== undefined) coefficientCache.delete(oldest);
    }
    coefficientCache.set(key, coefficients);
  }
  return coefficients;
}

function computeAxisCoefficients(
  inSize: number,
  outSize: number,
  filter: ConvolutionFilter,
): AxisCoefficients {
  const kernel = convolutionKernel(filter);
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = kernel.support * filterScale;
  const taps = Math.ceil(support) * 2 + 1;
  const inverseFilterScale = 1 / filterScale;

  const starts = new Int32Array(outSize);
  const counts = new Int32Array(outSize);
  const weights = new Int32Array(outSize * taps);
  const raw = new Float64Array(taps);
  for (let out = 0; out < outSize; out++) {
    const center = (out + 0.5) * scale;
    // Pillow truncates toward zero here, then clamps.
    const start = Math.max(Math.trunc(center - support + 0.5), 0);
    const end = Math.min(Math.trunc(center + support + 0.5), inSize);
    const count = end - start;
    let sum = 0;
    for (let i = 0; i < count; i++) {
      const w = kernel.weight((i + start - center + 0.5) * inverseFilterScale);
      raw[i] = w;
      sum += w;
    }
    for (let i = 0; i < count; i++) {
      const w = sum === 0 ? (raw[i] as number) : (raw[i] as number) / sum;
      weights[out * taps + i] = Math.trunc(w < 0 ? w * FIXED_ONE - 0.5 : w * FIXED_ONE + 0.5);
    }
    starts[out] = start;
    counts[out] = count;
  }
  return { starts, counts, weights, taps };
}

/** Horizontal pass over source rows [firstRow, lastRow); the result holds only those rows. */
function resampleRows(
  image: RgbImage,
  width: number,
  firstRow: number,
  lastRow: number,
  { starts, counts, weights, taps }: AxisCoefficients,
): RgbImage {
  const rowCount = lastRow - firstRow;
  const source = image.data;
  // Clamped writes give Pillow's clip to 0..255 of the fixed-point result.
  const data = new Uint8ClampedArray(width * rowCount * 3);
  const sourceStride = image.width * 3;
  for (let y = 0; y < rowCount; y++) {
    const rowBase = (y + firstRow) * sourceStride;
    let target = y * width * 3;
    for (let x = 0; x < width; x++) {
      const count = counts[x] as number;
      const weightBase = x * taps;
      let r = ROUNDING;
      let g = ROUNDING;
      let b = ROUNDING;
      let pixel = rowBase + (starts[x] as number) * 3;
      for (let i = 0; i < count; i++, pixel += 3) {
        const w = weights[weightBase + i] as number;
        r += (source[pixel] as number) * w;
        g += (source[pixel + 1] as number) * w;
        b += (source[pixel + 2] as number) * w;
      }
      data[target++] = r >> PRECISION_BITS;
      data[target++] = g >> PRECISION_BITS;
      data[target++] = b >> PRECISION_BITS;
    }
  }
  return { width, height: rowCount, data: new Uint8Array(data.buffer) };
}

/** Vertical pass; `rowOffset` is the source row that `image`'s first row stands for. */
function resampleColumns(
  image: RgbImage,
  height: number,
  rowOffset: number,
  { starts, counts, weights, taps }: AxisCoefficients,
): RgbImage {
  const width = image.width;
  const stride = width * 3;
  const source = image.data;
  const data = new Uint8ClampedArray(stride * height);
  for (let y = 0; y < height; y++) {
    const count = counts[y] as number;
    const weightBase = y * taps;
    const columnBase = ((starts[y] as number) - rowOffset) * stride;
    let target = y * stride;
    for (let x = 0; x < stride; x += 3) {
      let r = ROUNDING;
      let g = ROUNDING;
      let b = ROUNDING;
      let pixel = columnBase + x;
      for (let i = 0; i < count; i++, pixel += stride) {
        const w = weights[weightBase + i] as number;
        r += (source[pixel] as number) * w;
        g += (source[pixel + 1] as number) * w;
        b += (source[pixel + 2] as number) * w;
      }
      data[target++] = r >> PRECISION_BITS;
      data[target++] = g >> PRECISION_BITS;
      data[target++] = b >> PRECISION_BITS;
    }
  }
  return { width, height, data: new Uint8Array(data.buffer) };
}

/**
 * Pillow's nearest neighbour: the source coordinate starts at half a step and is advanced by
 * repeated addition, so it is accumulated the same way here rather than multiplied out.
 */
function resizeNearest(image: RgbImage, width: number, height: number): RgbImage {
  const sourceColumns = nearestIndices(image.width, width);
  const sourceRows = nearestIndices(image.height, height);
  const data = new Uint8Array(width * height * 3);
  let target = 0;
  for (let y = 0; y < height; y++) {
    const rowBase = (sourceRows[y] as number) * image.width * 3;
    for (let x = 0; x < width; x++) {
      const pixel = rowBase + (sourceColumns[x] as number) * 3;
      data[target++] = image.data[pixel] as number;
      data[target++] = image.data[pixel + 1] as number;
      data[target++] = image.data[pixel + 2] as number;
    }
  }
  return { width, height, data };
}

function nearestIndices(inSize: number, outSize: number): Int32Array {
  const step = inSize / outSize;
  const indices = new Int32Array(outSize);
  let position = step * 0.5;
  for (let i = 0; i < outSize; i++) {
    indices[i] = Math.trunc(position);
    position += step;
  }
  return indices;
}
