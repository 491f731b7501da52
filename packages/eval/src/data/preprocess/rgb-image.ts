/** 8-bit RGB pixels, row-major, 3 bytes per pixel: what decoding produces and resizing consumes. */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}
