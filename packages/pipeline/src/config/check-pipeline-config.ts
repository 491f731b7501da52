import { findPreprocessorConfig } from '@vit-opt/eval/data';
import { findStep } from '../steps/index.js';
import { VARIANT_NAME_PATTERN } from './config-schema.js';
import { PipelineConfigError, type KeyPath } from './config-error.js';
import type { PipelineConfig } from './pipeline-config.js';

/**
 * The rules across keys that a schema cannot say: variant names unique (they are folders) and
 * `from` naming an earlier variant, calibration images for the kinds that read them, and
 * preprocessing for a model without a preprocessor_config.json. Throws a PipelineConfigError
 * (without a line: loadPipelineConfig adds it).
 */
export async function checkPipelineConfig(config: PipelineConfig): Promise<void> {
  const fail = (path: KeyPath, problem: string): never => {
    throw new PipelineConfigError(config.source, null, path, problem);
  };
  if (config.variants.length === 0) fail(['variants'], 'must hold at least 1 item');
  const seen = new Map<string, number>();
  config.variants.forEach((variant, index) => {
    const step = findStep(variant.kind);
    if (step === undefined) fail(['variants', index, 'kind'], `unknown kind "${variant.kind}"`);
    if (!new RegExp(VARIANT_NAME_PATTERN).test(variant.name)) {
      fail(['variants', index, 'name'], 'must be a folder name: letters, digits, ".", "_" and "-"');
    }
    const first = seen.get(variant.name);
    if (first !== undefined) {
      fail(
        ['variants', index, 'name'],
        `duplicate variant name "${variant.name}" (variants[${first}] has it)`,
      );
    }
    seen.set(variant.name, index);
    if (variant.from !== undefined && !seen.has(variant.from)) {
      fail(['variants', index, 'from'], `names no earlier variant ("${variant.from}")`);
    }
    if (variant.from === variant.name)
      fail(['variants', index, 'from'], 'names the variant itself');
    if (step!.usesCalibration(variant.options) && config.data.calibration === undefined) {
      fail(
        ['data', 'calibration'],
        `missing: variant "${variant.name}" (${variant.kind}) calibrates on these images`,
      );
    }
  });
  const overrides = config.preprocess ?? {};
  const { size, cropSize } = overrides;
  const fixedSize =
    (size !== undefined && size !== null && !('shortestEdge' in size)) ||
    (cropSize !== undefined && cropSize !== null);
  if (!fixedSize && (await findPreprocessorConfig(config.model)) === null) {
    fail(
      config.preprocess === undefined ? ['model'] : ['preprocess'],
      'no preprocessor_config.json beside the model: give preprocess, at least resize: HxW (or resize: N with crop: HxW)',
    );
  }
}
