import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { VitOptError } from '@vit-opt/graph';
import { findModelConfig } from '@vit-opt/eval';
import { findPreprocessorConfig } from '@vit-opt/eval/data';
import {
  resizeInput,
  resizedModelConfig,
  resizedPreprocessorConfig,
  type ConfigJson,
} from '@vit-opt/prune';
import type { VariantStep } from './variant-step.js';

/** `vit-opt resize`: the model at another input size, with config files that say so. */
export const resizeStep: VariantStep = {
  kind: 'resize',
  summary:
    'another input size (size: pixels, a multiple of the patch size): position embedding interpolated bicubic',
  options: {
    size: {
      type: 'integer',
      minimum: 1,
      description: 'the new height and width in pixels, a multiple of the patch size',
    },
  },
  usesCalibration: () => false,
  async build({ model, modelPath, modelSha256, options, preprocess }) {
    const size = options.size as number | undefined;
    if (size === undefined) {
      throw new VitOptError('INVALID_ARGUMENT', 'a resize variant takes size', { subject: 'size' });
    }
    if (preprocess.size !== undefined || preprocess.cropSize !== undefined) {
      throw new VitOptError(
        'INVALID_ARGUMENT',
        "a resize variant is evaluated at its own size, but the pipeline's preprocess gives resize or crop for every variant",
        { subject: 'preprocess' },
      );
    }
    const result = resizeInput(model, { size, sourceSha256: modelSha256 });
    // The variant's preprocessor_config.json and config.json, so its eval preprocesses for the new size.
    const configs: Record<string, string> = {};
    for (const [find, resize] of [
      [findPreprocessorConfig, resizedPreprocessorConfig],
      [findModelConfig, resizedModelConfig],
    ] as const) {
      const path = await find(modelPath);
      if (path === null) continue;
      const config = JSON.parse(await readFile(path, 'utf8')) as ConfigJson;
      configs[basename(path)] = `${JSON.stringify(resize(config, size), null, 2)}\n`;
    }
    const side = (n: number): string => `${n}×${n}`;
    return {
      model,
      notes: [
        `input ${side(result.sizeBefore)} → ${side(result.sizeAfter)}, tokens ${result.tokensBefore} → ${result.tokensAfter}`,
      ],
      configs,
    };
  },
};
