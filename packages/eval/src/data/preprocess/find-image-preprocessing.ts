import { VitOptError } from '@vit-opt/graph';
import {
  resolvePreprocessConfig,
  type PreprocessConfig,
  type PreprocessOverrides,
} from './config.js';
import { findPreprocessorConfig, loadPreprocessConfig } from './config-file.js';

/**
 * The preprocessing a model's images get, as evaluate() resolves it: the preprocessor_config.json
 * beside `modelPath` with `overrides` replacing its steps, or the overrides alone standing in for
 * a missing one. Standing in, they must give every image one size (a fixed resize, or a crop);
 * otherwise a VitOptError with subject 'preprocess' says so.
 */
export async function findImagePreprocessing(
  modelPath: string | undefined,
  overrides: PreprocessOverrides = {},
): Promise<PreprocessConfig> {
  const path = modelPath === undefined ? null : await findPreprocessorConfig(modelPath);
  if (path !== null) return loadPreprocessConfig(path, overrides);
  const { size, cropSize } = overrides;
  const fixedSize = size !== undefined && size !== null && !('shortestEdge' in size);
  const cropped = cropSize !== undefined && cropSize !== null;
  if (size === undefined || !(fixedSize || cropped)) {
    throw new VitOptError(
      'INVALID_ARGUMENT',
      `${modelPath === undefined ? 'no model path to find preprocessor_config.json beside' : 'no preprocessor_config.json beside the model'}: ` +
        'give the preprocessing, at least a size (or a shortest edge with a crop size)',
      { subject: 'preprocess' },
    );
  }
  return resolvePreprocessConfig({}, { source: 'flags', overrides });
}
