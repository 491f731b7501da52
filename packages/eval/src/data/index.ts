// The data pipeline of @vit-opt/eval: datasets, Hugging Face-compatible preprocessing and
// batches of pixels. It runs no model, so quantization calibration can use it on its own.
export type {
  ChannelNormalization,
  ImageSize,
  PreprocessConfig,
  PreprocessOverrides,
  ResizeTarget,
} from './preprocess/config.js';
export { resolvePreprocessConfig } from './preprocess/config.js';
export { findPreprocessorConfig, loadPreprocessConfig } from './preprocess/config-file.js';
export { findImagePreprocessing } from './preprocess/find-image-preprocessing.js';
export type { ResampleFilter } from './preprocess/resample-filters.js';
export { RESAMPLE_FILTERS } from './preprocess/resample-filters.js';
export type { RgbImage } from './preprocess/rgb-image.js';
export { decodeImage } from './preprocess/decode.js';
export type { ImageLimits } from './preprocess/image-limits.js';
export { DEFAULT_MAX_IMAGE_BYTES, DEFAULT_MAX_IMAGE_PIXELS } from './preprocess/image-limits.js';
export { preprocessImage, preprocessedSize } from './preprocess/preprocess-image.js';

export type { Dataset, DatasetItem } from './datasets/dataset.js';
export type { LabelSource } from './datasets/labels.js';
export { readImageFolder } from './datasets/image-folder.js';
export { readManifest } from './datasets/manifest.js';
export { openDataset } from './datasets/open-dataset.js';
export type { ItemSelection } from './datasets/selection.js';
export { selectItems } from './datasets/selection.js';

export type { ImageFailure } from './batches/batch-protocol.js';
export type { ImageBatch, ImageBatchOptions, PixelBatch } from './batches/image-batches.js';
export { imageBatches } from './batches/image-batches.js';
export type { InputFeeds, TensorFeed } from './batches/input-feeds.js';
export { batchesToFeeds } from './batches/input-feeds.js';
export { calibrationImages, imageFolderFeeds } from './batches/image-folder-feeds.js';
export type {
  CalibrationImages,
  CalibrationImagesOptions,
  ImageFolderFeeds,
  ImageFolderFeedsOptions,
  SkippedImages,
} from './batches/image-folder-feeds.js';

export type { InputDim } from './input-shape.js';
export { checkImageInputShape } from './input-shape.js';
