import { VitOptError } from '@vit-opt/graph';

/**
 * Bounds on what reading one image may cost, so a hostile or broken file cannot exhaust memory:
 * a decompression bomb (a small PNG that decodes to gigapixels) or a huge file.
 */
export interface ImageLimits {
  /**
   * Images with more pixels (width × height) are refused before they are decoded. Default
   * DEFAULT_MAX_IMAGE_PIXELS, where Pillow raises its DecompressionBombError.
   */
  readonly maxImagePixels?: number;
  /** Image files larger than this are refused before they are read. Default 256 MiB. */
  readonly maxImageBytes?: number;
}

/** Pillow's Image.MAX_IMAGE_PIXELS (89,478,485) doubled: the size at which Pillow refuses. */
export const DEFAULT_MAX_IMAGE_PIXELS = 2 * 89_478_485;
export const DEFAULT_MAX_IMAGE_BYTES = 256 * 1024 * 1024;

/** Both limits, defaults filled in and checked (a whole number ≥ 1 each). */
export function resolveImageLimits(limits: ImageLimits = {}): Required<ImageLimits> {
  const check = (value: number | undefined, fallback: number, option: string): number => {
    if (value === undefined) return fallback;
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new VitOptError('INVALID_ARGUMENT', `must be a whole number ≥ 1; got ${value}`, {
        subject: option,
      });
    }
    return value;
  };
  return {
    maxImagePixels: check(limits.maxImagePixels, DEFAULT_MAX_IMAGE_PIXELS, 'maxImagePixels'),
    maxImageBytes: check(limits.maxImageBytes, DEFAULT_MAX_IMAGE_BYTES, 'maxImageBytes'),
  };
}
