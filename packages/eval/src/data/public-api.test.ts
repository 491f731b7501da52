import { expect, it } from 'vitest';
import * as data from './index.js';

it('exports a deliberate public API from the data pipeline', () => {
  expect(Object.keys(data).sort()).toMatchInlineSnapshot(`
    [
      "DEFAULT_MAX_IMAGE_BYTES",
      "DEFAULT_MAX_IMAGE_PIXELS",
      "RESAMPLE_FILTERS",
      "batchesToFeeds",
      "calibrationImages",
      "checkImageInputShape",
      "decodeImage",
      "findImagePreprocessing",
      "findPreprocessorConfig",
      "imageBatches",
      "imageFolderFeeds",
      "loadPreprocessConfig",
      "openDataset",
      "preprocessImage",
      "preprocessedSize",
      "readImageFolder",
      "readManifest",
      "resolvePreprocessConfig",
      "selectItems",
    ]
  `);
});
