import {
  VitOptError,
  runPasses,
  type FeedBatches,
  type Model,
  type TensorProbe,
  type Pass,
} from '@vit-opt/graph';
import type { ActivationRanges } from '../calibration/activation-ranges.js';
import { calibrate } from '../calibration/calibrate.js';
import type { CalibrationOptions } from '../calibration/calibration-options.js';
import { loadRanges } from '../calibration/ranges-file.js';
import { requireProbe } from '../calibration/tensor-session.js';
import { fuseTransformerPass, type TransformerFusionOptions } from '../fusion/fuse-transformer.js';
import { assertNotQuantized, assertOpset } from '../model-checks.js';
import type {
  DynamicQuantizationOptions,
  Float16Options,
  Int4Options,
} from '../options/mode-options.js';
import { convertFloat16, type Float16Report } from '../passes/convert-float16.js';
import { quantizeDynamic } from '../passes/quantize-dynamic.js';
import { quantizeWeightsInt4 } from '../passes/quantize-weights-int4.js';
import type { QuantizationReport } from '../quantization-report.js';
import type { RecipeMode } from '../recipe.js';
import { buildQuantizationReport, type QuantizationErrorReport } from '../report/build-report.js';
import { quantizeStatic, type StaticQuantizationReport } from '../static/quantize-static.js';
import type { StaticQuantizationOptions } from '../static/static-options.js';

/** quantizeStatic's minimum ai.onnx opset (per-axis QuantizeLinear). */
const STATIC_MIN_OPSET = 13;

/** Images the error report compares activations on, by default. */
export const ERROR_REPORT_SAMPLES = 8;

/**
 * Images as batches of the model's inputs, preprocessed as it expects: @vit-opt/eval's
 * calibrationImages reads them from a folder.
 */
export interface QuantizeModelImages {
  readonly feeds: FeedBatches;
  /** How many images `feeds` holds: calibration progress counts towards it. */
  readonly imageCount: number;
  /** Where the images are (a folder), recorded as the path of ranges calibrated on them. */
  readonly path?: string;
}

/** What every mode takes. */
export interface QuantizeModelCommonOptions {
  /** SHA-256 of the source model file, for the recipe. */
  readonly sourceSha256?: string;
  /**
   * Compare the quantized model with the float one, weight by weight and, on the first `samples`
   * of `images` (default 8), activation by activation: the layers to exclude when accuracy drops.
   */
  readonly errorReport?: { readonly images: QuantizeModelImages; readonly samples?: number };
  /** Quantize `model` itself rather than a copy (default false: the caller's model is untouched). */
  readonly inPlace?: boolean;
  /**
   * What runs the model (e.g. @vit-opt/eval's createTensorProbe()): needed to calibrate and for
   * the error report.
   */
  readonly probe?: TensorProbe;
  readonly onProgress?: (progress: QuantizeModelProgress) => void;
  /** Stops calibration and the error report between batches; the promise rejects with its reason. */
  readonly signal?: AbortSignal;
}

export interface DynamicModelOptions extends QuantizeModelCommonOptions {
  readonly mode: 'dynamic';
  readonly modeOptions?: DynamicQuantizationOptions;
  /**
   * First fuse attention into onnxruntime's Attention (which becomes QAttention) and the GELU
   * into Gelu; the model then needs onnxruntime.
   */
  readonly fuseTransformer?: boolean | TransformerFusionOptions;
}

export interface StaticModelOptions extends QuantizeModelCommonOptions {
  readonly mode: 'static';
  readonly modeOptions?: StaticQuantizationOptions;
  /**
   * Ranges calibrated before, or the path of a ranges file (saveRanges); without them the ranges
   * are calibrated on `images`.
   */
  readonly ranges?: ActivationRanges | string;
  /** The images to calibrate on, read once. */
  readonly images?: QuantizeModelImages;
  /** How the ranges are calibrated on `images`; the layout comes from `modeOptions`. */
  readonly calibration?: Pick<
    CalibrationOptions,
    'method' | 'percentile' | 'movingAverage' | 'averagingConstant' | 'symmetric' | 'histogramBins'
  >;
}

export interface Float16ModelOptions extends QuantizeModelCommonOptions {
  readonly mode: 'fp16';
  readonly modeOptions?: Float16Options;
}

export interface Int4ModelOptions extends QuantizeModelCommonOptions {
  readonly mode: 'int4';
  readonly modeOptions?: Int4Options;
}

/** quantizeModel's options: the mode and its pass's options, plus what the workflow around it needs. */
export type QuantizeModelOptions =
  DynamicModelOptions | StaticModelOptions | Float16ModelOptions | Int4ModelOptions;

export interface QuantizeModelProgress {
  readonly stage: 'calibrating';
  /** Images done, and of how many. */
  readonly done: number;
  readonly total: number;
}

/** Where static quantization's ranges came from. */
export interface UsedRanges {
  readonly values: ActivationRanges;
  readonly source: 'images' | 'ranges-file' | 'given';
  /** The images' path or the ranges file; null for ranges given as values or images without a path. */
  readonly path: string | null;
}

export interface QuantizedModel {
  /** The quantized model: a copy unless `inPlace`. */
  readonly model: Model;
  readonly mode: RecipeMode;
  /** The mode's own report (quantizeDynamic's, quantizeStatic's, …). */
  readonly report: QuantizationReport | StaticQuantizationReport | Float16Report;
  /** Static: the ranges used. */
  readonly ranges?: UsedRanges;
  /** With `errorReport`: per-tensor SQNR against the float model, worst first. */
  readonly errorReport?: QuantizationErrorReport;
}

/**
 * The whole quantization workflow of one model, as `vit-opt quantize` and the pipeline run it:
 * fuse (dynamic, when asked), check the model, calibrate on the images given or read saved ranges
 * (static), quantize in the mode asked, and compare the result with the float model (when
 * asked). Checks that need no work (an already quantized model, too old an opset, no probe to run
 * the model with) come before any calibration. Errors are VitOptErrors whose subject is the
 * option at fault ('probe', 'images', a mode option's key) or the file.
 */
export async function quantizeModel(
  model: Model,
  options: QuantizeModelOptions,
): Promise<QuantizedModel> {
  // Checked first: a missing probe is found before any work.
  const probe = probeIfNeeded(options);
  const target = options.inPlace === true ? model : model.clone();
  // Graph passes on the float model before calibration, so that the ranges, the rewrite and the
  // report all see the same graph.
  await runPasses(target, preparationPasses(options), { validate: true });
  if (options.mode === 'static') {
    assertNotQuantized(target, 'quantize statically');
    assertOpset(
      target,
      STATIC_MIN_OPSET,
      'static quantization (per-axis QuantizeLinear/DequantizeLinear)',
    );
  }
  const report = options.errorReport;
  const float = report === undefined ? undefined : target.clone();
  const quantized = await quantizeInMode(target, options, probe);
  const base = { model: target, mode: options.mode, ...quantized };
  if (float === undefined || report === undefined) return base;
  const errorReport = await buildQuantizationReport(float, target, report.images.feeds, {
    sampleLimit: report.samples ?? ERROR_REPORT_SAMPLES,
    probe: requireProbe(probe, 'the error report'),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  return { ...base, errorReport };
}

/** The probe, when the options ask for work that runs the model: calibration or the error report. */
function probeIfNeeded(options: QuantizeModelOptions): TensorProbe | undefined {
  const calibrates =
    options.mode === 'static' && options.ranges === undefined && options.images !== undefined;
  if (calibrates) return requireProbe(options.probe, 'static calibration');
  if (options.errorReport !== undefined) return requireProbe(options.probe, 'the error report');
  return options.probe;
}

function preparationPasses(options: QuantizeModelOptions): Pass[] {
  if (options.mode !== 'dynamic' || options.fuseTransformer === undefined) return [];
  if (options.fuseTransformer === false) return [];
  return [fuseTransformerPass(options.fuseTransformer === true ? {} : options.fuseTransformer)];
}

async function quantizeInMode(
  model: Model,
  options: QuantizeModelOptions,
  probe: TensorProbe | undefined,
): Promise<Pick<QuantizedModel, 'report' | 'ranges'>> {
  const source = options.sourceSha256 === undefined ? {} : { sourceSha256: options.sourceSha256 };
  switch (options.mode) {
    case 'dynamic':
      return { report: quantizeDynamic(model, { ...options.modeOptions, ...source }) };
    case 'int4':
      return { report: quantizeWeightsInt4(model, { ...options.modeOptions, ...source }) };
    case 'fp16':
      return { report: convertFloat16(model, { ...options.modeOptions, ...source }) };
    case 'static': {
      const ranges = await staticRanges(model, options, probe);
      return {
        report: quantizeStatic(model, ranges.values, { ...options.modeOptions, ...source }),
        ranges,
      };
    }
  }
}

async function staticRanges(
  model: Model,
  options: StaticModelOptions,
  probe: TensorProbe | undefined,
): Promise<UsedRanges> {
  if (typeof options.ranges === 'string') {
    return {
      values: await loadRanges(options.ranges),
      source: 'ranges-file',
      path: options.ranges,
    };
  }
  if (options.ranges !== undefined) return { values: options.ranges, source: 'given', path: null };
  const images = options.images;
  if (images === undefined) {
    throw new VitOptError(
      'INVALID_ARGUMENT',
      'static quantization needs activation ranges: give images to calibrate on, or ranges',
      { subject: 'images' },
    );
  }
  const total = images.imageCount;
  options.onProgress?.({ stage: 'calibrating', done: 0, total });
  const m = options.modeOptions ?? {};
  const values = await calibrate(model, images.feeds, {
    opTypes: m.opTypes,
    includeNodes: m.includeNodes,
    excludeNodes: m.excludeNodes,
    minimumWeightElements: m.minimumWeightElements,
    format: m.format,
    quantizeActivationMatMuls: m.quantizeActivationMatMuls,
    ...options.calibration,
    probe: requireProbe(probe, 'static calibration'),
    onProgress: (p) =>
      options.onProgress?.({ stage: 'calibrating', done: Math.min(p.samples, total), total }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  return { values, source: 'images', path: images.path ?? null };
}
