import type { VitOptErrorCode } from '@vit-opt/graph';
import type { PreprocessConfig } from '../preprocess/config.js';
import type { ImageLimits } from '../preprocess/image-limits.js';

/** What a preprocessing worker is started with. */
export interface WorkerSetup {
  /** One or more: each image is decoded once and preprocessed for each config, in this order. */
  readonly configs: readonly PreprocessConfig[];
  readonly limits: Required<ImageLimits>;
}

/** One batch for a worker to decode and preprocess. */
export interface BatchTask {
  readonly items: readonly { readonly index: number; readonly path: string }[];
  /** Pad the returned pixels to this many images with zeros; null returns only decoded images. */
  readonly padTo: number | null;
}

/** An image that could not be read or decoded; the run goes on without it. */
export interface ImageFailure {
  readonly index: number;
  readonly path: string;
  readonly code: VitOptErrorCode;
  readonly reason: string;
}

export interface BatchTaskResult {
  /** Positions in `task.items` of the images in `pixels`, in order. */
  readonly decoded: readonly number[];
  readonly failures: readonly ImageFailure[];
  /**
   * For each config of the setup, `decoded.length` (or `padTo`) images of 3 x H x W, the same
   * images in the same order; the buffers are transferred, not copied.
   */
  readonly pixels: readonly Float32Array<ArrayBuffer>[];
}

export type WorkerReply =
  | { readonly kind: 'result'; readonly result: BatchTaskResult }
  | { readonly kind: 'crash'; readonly message: string };
