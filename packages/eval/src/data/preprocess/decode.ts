import { VitOptError } from '@vit-opt/graph';
import sharp, { type Sharp } from 'sharp';
import { DEFAULT_MAX_IMAGE_PIXELS } from './image-limits.js';
import type { RgbImage } from './rgb-image.js';

/**
 * Decodes an image file's bytes (JPEG, PNG, WebP, or anything else sharp reads; the first frame
 * of animations) into the RGB pixels Pillow's `Image.open(path).convert("RGB")` gives, because
 * that is what Hugging Face's processors see:
 * - no EXIF rotation and no ICC colour management (Pillow applies neither);
 * - grayscale is replicated, alpha is dropped without compositing;
 * - 16-bit colour keeps the high byte, 16-bit grayscale is clipped to 255 (Pillow's I;16 -> RGB);
 * - CMYK uses Pillow's naive conversion, not a colour profile;
 * - truncated files fail, as in Pillow, but libjpeg's recoverable warnings do not;
 * - an image of more than `maxPixels` pixels is refused from its header, before decoding (a
 *   decompression bomb), as Pillow refuses one beyond twice its MAX_IMAGE_PIXELS.
 * `source` names the file in errors.
 */
export async function decodeImage(
  bytes: Uint8Array,
  source: string,
  options: { readonly maxPixels?: number } = {},
): Promise<RgbImage> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_IMAGE_PIXELS;
  const settings = { ignoreIcc: true, failOn: 'truncated', autoOrient: false } as const;
  // The header alone, read without sharp's own limit, so that the refusal can say how big the
  // image claims to be; decoding then runs under the limit too.
  const input = sharp(bytes, { ...settings, limitInputPixels: maxPixels });
  try {
    const { space, channels, depth, width, height } = await sharp(bytes, {
      ...settings,
      limitInputPixels: false,
    }).metadata();
    if (width === undefined || height === undefined || width < 1 || height < 1) {
      throw new VitOptError('CORRUPT', 'cannot decode image: it declares no size', { subject: source });
    }
    if (width * height > maxPixels) {
      throw new VitOptError(
        'UNSUPPORTED',
        `the image is ${width}×${height} = ${width * height} pixels, more than the ${maxPixels} allowed (a decompression bomb?)`,
        { subject: source },
      );
    }
    if (depth !== 'uchar' && depth !== 'ushort') {
      throw new VitOptError('UNSUPPORTED', `images with ${depth} samples are not supported`, {
        subject: source,
      });
    }
    if (space === 'cmyk') return await decodeCmyk(input);
    if (depth === 'ushort' && channels === 1) return await decodeGray16(input);
    const { data, info } = await input.raw().toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, data: toRgb(data, info.channels) };
  } catch (error) {
    if (error instanceof VitOptError) throw error;
    const reason = error instanceof Error ? error.message.trim().split('\n')[0] : String(error);
    throw new VitOptError('CORRUPT', `cannot decode image: ${reason}`, {
      subject: source,
      cause: error,
    });
  }
}

/** 1 (gray), 2 (gray + alpha), 3 or 4 (RGB + alpha) interleaved channels to RGB. */
function toRgb(data: Uint8Array, channels: number): Uint8Array {
  if (channels === 3) return data;
  const pixels = data.length / channels;
  const rgb = new Uint8Array(pixels * 3);
  const gray = channels < 3;
  for (let i = 0, source = 0, target = 0; i < pixels; i++, source += channels, target += 3) {
    const r = data[source] as number;
    rgb[target] = r;
    rgb[target + 1] = gray ? r : (data[source + 1] as number);
    rgb[target + 2] = gray ? r : (data[source + 2] as number);
  }
  return rgb;
}

/** Pillow's `cmyk2rgb`: each channel is (255 - K) scaled down by its ink, with its rounding. */
async function decodeCmyk(input: Sharp): Promise<RgbImage> {
  const { data, info } = await input
    .pipelineColourspace('cmyk')
    .toColourspace('cmyk')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const pixels = info.width * info.height;
  const rgb = new Uint8Array(pixels * 3);
  for (let i = 0; i < pixels; i++) {
    const notBlack = 255 - (data[i * 4 + 3] as number);
    for (let c = 0; c < 3; c++) {
      const product = (data[i * 4 + c] as number) * notBlack + 128;
      rgb[i * 3 + c] = notBlack - (((product >> 8) + product) >> 8);
    }
  }
  return { width: info.width, height: info.height, data: rgb };
}

async function decodeGray16(input: Sharp): Promise<RgbImage> {
  const { data, info } = await input
    .toColourspace('grey16')
    .raw({ depth: 'ushort' })
    .toBuffer({ resolveWithObject: true });
  // Native-endian samples; a Uint16Array view needs an even offset, which a copy guarantees.
  const aligned = data.byteOffset % 2 === 0 ? data : Uint8Array.from(data);
  const samples = new Uint16Array(aligned.buffer, aligned.byteOffset, aligned.length / 2);
  const gray = new Uint8Array(samples.length);
  for (let i = 0; i < samples.length; i++) gray[i] = Math.min(samples[i] as number, 255);
  return { width: info.width, height: info.height, data: toRgb(gray, 1) };
}
