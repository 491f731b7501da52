/**
 * Pillow's resampling filters, as `Image.resize` uses them (src/libImaging/Resample.c). The
 * kernels are evaluated the way Pillow evaluates them, down to its single-precision Hamming
 * constants, because the 8-bit result depends on the last bits of the coefficients.
 */

export type ResampleFilter = 'nearest' | 'box' | 'bilinear' | 'hamming' | 'bicubic' | 'lanczos';

/** The filters Pillow applies as a convolution; nearest is a sampling instead. */
export type ConvolutionFilter = Exclude<ResampleFilter, 'nearest'>;

/** Pillow's `Image.Resampling` numbers, which Hugging Face stores as `resample`. */
export const PIL_RESAMPLE_CODES: Readonly<Record<number, ResampleFilter>> = {
  0: 'nearest',
  1: 'lanczos',
  2: 'bilinear',
  3: 'bicubic',
  4: 'box',
  5: 'hamming',
};

export const RESAMPLE_FILTERS: readonly ResampleFilter[] = [
  'nearest',
  'box',
  'bilinear',
  'hamming',
  'bicubic',
  'lanczos',
];

export interface ConvolutionKernel {
  /** Half-width of the kernel at scale 1, in source pixels. */
  readonly support: number;
  readonly weight: (x: number) => number;
}

// Pillow writes these as float literals (0.54f, 0.46f), so they are single-precision values.
const HAMMING_A = Math.fround(0.54);
const HAMMING_B = Math.fround(0.46);
const BICUBIC_A = -0.5;

function sinc(x: number): number {
  if (x === 0) return 1;
  const t = x * Math.PI;
  return Math.sin(t) / t;
}

const KERNELS: Readonly<Record<ConvolutionFilter, ConvolutionKernel>> = {
  box: { support: 0.5, weight: (x) => (x > -0.5 && x <= 0.5 ? 1 : 0) },
  bilinear: {
    support: 1,
    weight: (x) => {
      const t = Math.abs(x);
      return t < 1 ? 1 - t : 0;
    },
  },
  hamming: {
    support: 1,
    weight: (x) => {
      const t = Math.abs(x);
      if (t === 0) return 1;
      if (t >= 1) return 0;
      const angle = t * Math.PI;
      return (Math.sin(angle) / angle) * (HAMMING_A + HAMMING_B * Math.cos(angle));
    },
  },
  bicubic: {
    support: 2,
    weight: (x) => {
      const t = Math.abs(x);
      if (t < 1) return ((BICUBIC_A + 2) * t - (BICUBIC_A + 3)) * t * t + 1;
      if (t < 2) return (((t - 5) * t + 8) * t - 4) * BICUBIC_A;
      return 0;
    },
  },
  lanczos: { support: 3, weight: (x) => (x >= -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0) },
};

export function convolutionKernel(filter: ConvolutionFilter): ConvolutionKernel {
  return KERNELS[filter];
}
