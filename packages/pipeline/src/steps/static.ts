import {
  NODE_SELECTION_KEYS,
  TARGET_KEYS,
  elementType,
  nodeSelection,
  opTypesKey,
  quantizeStep,
  targetFingerprint,
  targetOptions,
  withoutUndefined,
} from './quantize-keys.js';
import type { VariantStep } from './variant-step.js';
import { calibrationImages } from '@vit-opt/eval/data';
import type { CalibrationMethod, QuantizedModelFormat, StaticOpType } from '@vit-opt/quantize';

/** Static int8 (`vit-opt quantize --mode static`), calibrated on the pipeline's calibration set. */
export const staticStep: VariantStep = {
  kind: 'static',
  summary: 'int8 weights and activations, ranges calibrated on the calibration images',
  options: {
    ...TARGET_KEYS,
    'activation-type': { enum: ['u8', 's8'] },
    format: { enum: ['qdq', 'qoperator'] },
    'calib-method': { enum: ['minmax', 'percentile', 'entropy'] },
    percentile: { type: 'number', exclusiveMinimum: 50, maximum: 100 },
    'calib-limit': { type: 'integer', minimum: 1 },
    'op-types': opTypesKey(['MatMul', 'Gemm', 'Conv']),
    ...NODE_SELECTION_KEYS,
  },
  usesCalibration: () => true,
  fingerprint: targetFingerprint,
  build: async (input) => {
    const o = input.options;
    const limit = o['calib-limit'] as number | undefined;
    return quantizeStep(input, {
      mode: 'static',
      images: await calibrationImages(input.model, {
        folder: input.calibration!,
        modelPath: input.modelPath,
        preprocessOverrides: input.preprocess,
        ...(limit === undefined ? {} : { limit }),
      }),
      calibration: withoutUndefined({
        method: o['calib-method'] as CalibrationMethod | undefined,
        percentile: o.percentile as number | undefined,
      }),
      modeOptions: withoutUndefined({
        ...targetOptions(o),
        ...nodeSelection(o),
        opTypes: o['op-types'] as StaticOpType | StaticOpType[] | undefined,
        format: o.format as QuantizedModelFormat | undefined,
        activationType: elementType(o['activation-type']),
      }),
    });
  },
};
