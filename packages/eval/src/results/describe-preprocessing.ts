import type { PreprocessConfig } from '../data/index.js';
import type { PreprocessingDescription } from './results-document.js';

/** The `preprocessing` section of an eval results document: the resolved config, snake_case. */
export function describePreprocessing(config: PreprocessConfig): PreprocessingDescription {
  const { size, cropSize, normalize } = config;
  return {
    size:
      size === null
        ? null
        : 'shortestEdge' in size
          ? { shortest_edge: size.shortestEdge }
          : { height: size.height, width: size.width },
    resample: config.resample,
    crop_size: cropSize === null ? null : { height: cropSize.height, width: cropSize.width },
    rescale_factor: config.rescaleFactor,
    normalize: normalize === null ? null : { mean: [...normalize.mean], std: [...normalize.std] },
  };
}
