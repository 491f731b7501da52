import { readdir } from 'node:fs/promises';
import { VitOptError, describeFsError, type Model } from '@vit-opt/graph';
import { openDataset } from '../datasets/open-dataset.js';
import { selectItems } from '../datasets/selection.js';
import { checkImageInputShape, type InputDim } from '../input-shape.js';
import type { PreprocessConfig, PreprocessOverrides } from '../preprocess/config.js';
import { findImagePreprocessing } from '../preprocess/find-image-preprocessing.js';
import type { ImageLimits } from '../preprocess/image-limits.js';
import { preprocessedSize } from '../preprocess/preprocess-image.js';
import type { ImageFailure } from './batch-protocol.js';
import { imageBatches, type ImageBatch } from './image-batches.js';
import { batchesToFeeds, type InputFeeds } from './input-feeds.js';

export interface ImageFolderFeedsOptions extends ImageLimits {
  /** The model's preprocessing (loadPreprocessConfig of its preprocessor_config.json). */
  readonly preprocess: PreprocessConfig;
  /**
   * Images per batch (default 2; a model with a fixed batch dimension gets that). Every batch
   * brings all the calibrated activations out of onnxruntime at once: ViT-B/16 peaked at 1.6 GB
   * with 2 images, 3.3 GB with 8, and calibrated no faster.
   */
  readonly batchSize?: number;
  /** Use at most this many images, drawn at random (seed 0) from all class folders (default all). */
  readonly limit?: number;
  /** Decoding worker threads (default eval's: one per core but one). */
  readonly workers?: number;
}

/** The images of a folder as batches of a model's inputs. */
export interface ImageFolderFeeds {
  /** Images that will be read (some may still fail to decode; they are skipped). */
  readonly imageCount: number;
  readonly feeds: AsyncIterable<InputFeeds>;
  /**
   * The images skipped because they could not be read or decoded, counted as `feeds` is read:
   * final once it is done. A caller says so (count and first path), never silently.
   */
  readonly skipped: SkippedImages;
}

export interface SkippedImages {
  readonly count: number;
  /** The first image skipped, with why. */
  readonly first: ImageFailure | undefined;
}

/**
 * Calibration batches from an image folder laid out as <folder>/<class>/<image> (any class
 * names), preprocessed as the model expects. Refuses, with one line, a folder that is missing,
 * unreadable or empty, and images whose preprocessed shape the model's input does not take;
 * the feeds fail at the end when not one image could be decoded.
 */
export async function imageFolderFeeds(model: Model, folder: string, options: ImageFolderFeedsOptions): Promise<ImageFolderFeeds> {
  const input = imageInput(model);
  const { fixedBatchSize } = checkImageInputShape(input.name, input.shape, preprocessedSize(options.preprocess));
  const dataset = await openDataset(folder, { id2label: await classFoldersAsLabels(folder) });
  const items =
    options.limit === undefined || options.limit >= dataset.items.length
      ? dataset.items
      : selectItems(dataset.items, { sample: { count: options.limit, seed: 0 } });
  const batchSize = fixedBatchSize ?? options.batchSize ?? 2;
  const skipped: { count: number; first: ImageFailure | undefined } = { count: 0, first: undefined };
  const batches = imageBatches(items, options.preprocess, {
    batchSize,
    ...(options.workers === undefined ? {} : { workers: options.workers }),
    ...(options.maxImagePixels === undefined ? {} : { maxImagePixels: options.maxImagePixels }),
    ...(options.maxImageBytes === undefined ? {} : { maxImageBytes: options.maxImageBytes }),
    padToBatchSize: fixedBatchSize !== null,
  });
  return {
    imageCount: items.length,
    feeds: failIfNoneDecoded(recordFailures(batches, skipped), input.name, skipped, folder),
    skipped,
  };
}

export interface CalibrationImagesOptions extends Omit<ImageFolderFeedsOptions, 'preprocess'> {
  /** The image folder, <folder>/<class>/<image>. */
  readonly folder: string;
  /** The model's file: the preprocessor_config.json beside it says how images are preprocessed. */
  readonly modelPath?: string;
  /** Steps replacing those of preprocessor_config.json, or standing in for a missing one. */
  readonly preprocessOverrides?: PreprocessOverrides;
}

export interface CalibrationImages extends ImageFolderFeeds {
  /** The folder, as given. */
  readonly path: string;
  /** The preprocessing the images get. */
  readonly preprocess: PreprocessConfig;
}

/**
 * A folder's images as `model` takes them, preprocessed as the model's preprocessor_config.json
 * and the overrides say (findImagePreprocessing, then imageFolderFeeds): what quantization
 * calibrates and compares on, and pruning scores heads on.
 */
export async function calibrationImages(
  model: Model,
  options: CalibrationImagesOptions,
): Promise<CalibrationImages> {
  const { folder, modelPath, preprocessOverrides, ...reading } = options;
  const preprocess = await findImagePreprocessing(modelPath, preprocessOverrides);
  const images = await imageFolderFeeds(model, folder, { ...reading, preprocess });
  return { ...images, path: folder, preprocess };
}

/** The model's first graph input that is not a constant: the image. */
function imageInput(model: Model): { name: string; shape: InputDim[] } {
  const value = model.graph.inputs.find((v) => v.initializer === undefined);
  const shape = value?.tensorType?.shape;
  if (value === undefined || shape === undefined) {
    throw new VitOptError('INVALID_ARGUMENT', 'the model declares no image input with a known rank', { subject: 'model' });
  }
  return { name: value.name, shape: [...shape] };
}

/**
 * Calibration needs no labels, but the ImageFolder reader matches class folders to labels: the
 * folders' own names serve.
 */
async function classFoldersAsLabels(folder: string): Promise<Record<string, string>> {
  let entries;
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new VitOptError(
      code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'FILE_UNREADABLE',
      `cannot read the calibration folder (${code === 'ENOTDIR' ? 'not a folder' : describeFsError(error)})`,
      { subject: folder, cause: error },
    );
  }
  const classes = entries.filter((entry) => !entry.name.startsWith('.') && (entry.isDirectory() || entry.isSymbolicLink()));
  return Object.fromEntries(classes.map((entry, i) => [String(i), entry.name]));
}

/** Passes the batches on, counting the images that failed and keeping the first. */
async function* recordFailures(
  batches: AsyncIterable<ImageBatch>,
  skipped: { count: number; first: ImageFailure | undefined },
): AsyncGenerator<ImageBatch> {
  for await (const batch of batches) {
    skipped.first ??= batch.failures[0];
    skipped.count += batch.failures.length;
    yield batch;
  }
}

async function* failIfNoneDecoded(
  batches: AsyncIterable<ImageBatch>,
  inputName: string,
  failures: SkippedImages,
  folder: string,
): AsyncGenerator<InputFeeds> {
  let decoded = 0;
  for await (const feeds of batchesToFeeds(batches, inputName)) {
    decoded += feeds[inputName]!.dims[0]!;
    yield feeds;
  }
  if (decoded === 0) {
    const first = failures.first;
    throw new VitOptError(
      first?.code ?? 'CORRUPT',
      `not one calibration image could be read${first === undefined ? '' : ` (first: ${first.path}: ${first.reason})`}`,
      { subject: folder },
    );
  }
}
