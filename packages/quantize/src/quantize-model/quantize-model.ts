import {
  VitOptError,
  runPasses,
  type Model,
  type TensorProbe,
  type Pass,
} from '@vit-opt/graph';
import { sha256File } from '@vit-opt/eval';
import type { PreprocessConfig, PreprocessOverrides } from '@vit-opt/eval/data';
import type { ActivationRanges } from '../calibration/activation-ranges.js';
import { calibrate } from '../calibration/calibrate.js';
import type { CalibrationOptions } from '../calibration/calibration-options.js';
import { imageFolderFeeds, type SkippedImages } from '../calibration/image-folder-feeds.js';
import { loadRanges } from '../calibration/ranges-file.js';
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
import { findImagePreprocessing } from './image-preprocessing.js';

/** quantizeStatic's minimum ai.onnx opset (per-axis QuantizeLinear). */
const STATIC_MIN_OPSET = 13;

/** Images the error report compares activations on, by default. */
export const ERROR_REPORT_SAMPLES = 8;

/** Images to read: static calibrates on them; the error report compares on a few of them. */
export interface QuantizeModelImages {
  /** An image folder, <folder>/<class>/<image>. */
  readonly folder: string;
  /**
   * The preprocessing, resolved. Without it, the preprocessor_config.json beside `modelPath` is
   * read, with `preprocessOverrides` replacing its steps (or standing in for a missing one).
   */
  readonly preprocess?: PreprocessConfig;
  readonly preprocessOverrides?: PreprocessOverrides;
}

/** What every mode takes. */
export interface QuantizeModelCommonOptions {
  /**
   * The file the model was read from: its preprocessor_config.json is found beside it, and its
   * SHA-256 goes into the recipe unless `sourceSha256` is given.
   */
  readonly modelPath?: string;
  /** SHA-256 of the source model file, for the recipe. */
  readonly sourceSha256?: string;
  readonly images?: QuantizeModelImages;
  /**
   * Compare the quantized model with the float one, weight by weight and, on `samples` images of
   * `images` (default 8), activation by activation: the layers to exclude when accuracy drops.
   */
  readonly errorReport?: boolean | { readonly samples?: number };
  /** Quantize `model` itself rather than a copy (default false: the caller's model is untouched). */
  readonly inPlace?: boolean;
  /** What runs the model for calibration and the error report (default @vit-opt/eval's onnxruntime probe). */
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
  /** How the ranges are calibrated on `images`; the layout comes from `modeOptions`. */
  readonly calibration?: Pick<
    CalibrationOptions,
    | 'method'
    | 'percentile'
    | 'movingAverage'
    | 'averagingConstant'
    | 'symmetric'
    | 'histogramBins'
    | 'threads'
  > & {
    /** Calibrate on at most this many images, drawn across the classes (default all). */
    readonly limit?: number;
  };
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
  /** The image folder or ranges file; null for ranges given as values. */
  readonly path: string | null;
  /** Calibrated on images: those skipped because they could not be read or decoded. */
  readonly skippedImages?: SkippedImages;
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
  /** The preprocessing `images` were read with. */
  readonly preprocess?: PreprocessConfig;
}

/**
 * The whole quantization workflow of one model, as `vit-opt quantize` and the pipeline run it:
 * fuse (dynamic, when asked), check the model, find the preprocessing of the images, calibrate
 * on them or read saved ranges (static), quantize in the mode asked, and compare the result with
 * the float model (when asked). Checks that need no work (an already quantized model, too old an
 * opset, images the model cannot take) come before any calibration. Errors are VitOptErrors whose
 * subject is the option at fault ('preprocess', a mode option's key) or the file.
 */
export async function quantizeModel(
  model: Model,
  options: QuantizeModelOptions,
): Promise<QuantizedModel> {
  const target = options.inPlace === true ? model : model.clone();
  const sourceSha256 =
    options.sourceSha256 ??
    (options.modelPath === undefined ? undefined : await sha256File(options.modelPath));
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
  const images = options.images;
  const preprocess =
    images === undefined
      ? undefined
      : (images.preprocess ??
        (await findImagePreprocessing(options.modelPath, images.preprocessOverrides)));
  const sampleLimit = errorReportSamples(options.errorReport);
  const float = sampleLimit === undefined ? undefined : target.clone();
  // Made now, so that images the model cannot take are refused before any work; read only later.
  const samples =
    float === undefined || images === undefined
      ? undefined
      : await imageFolderFeeds(float, images.folder, {
          preprocess: preprocess!,
          limit: sampleLimit,
        });
  const quantized = await quantizeInMode(target, options, preprocess, sourceSha256);
  const base = {
    model: target,
    mode: options.mode,
    ...quantized,
    ...(preprocess === undefined ? {} : { preprocess }),
  };
  if (float === undefined || samples === undefined) return base;
  const errorReport = await buildQuantizationReport(float, target, samples.feeds, {
    sampleLimit,
    ...(options.probe === undefined ? {} : { probe: options.probe }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  return { ...base, errorReport };
}

function preparationPasses(options: QuantizeModelOptions): Pass[] {
  if (options.mode !== 'dynamic' || options.fuseTransformer === undefined) return [];
  if (options.fuseTransformer === false) return [];
  return [fuseTransformerPass(options.fuseTransformer === true ? {} : options.fuseTransformer)];
}

function errorReportSamples(option: QuantizeModelOptions['errorReport']): number | undefined {
  if (option === undefined || option === false) return undefined;
  return option === true ? ERROR_REPORT_SAMPLES : (option.samples ?? ERROR_REPORT_SAMPLES);
}

async function quantizeInMode(
  model: Model,
  options: QuantizeModelOptions,
  preprocess: PreprocessConfig | undefined,
  sourceSha256: string | undefined,
): Promise<Pick<QuantizedModel, 'report' | 'ranges'>> {
  const source = sourceSha256 === undefined ? {} : { sourceSha256 };
  switch (options.mode) {
    case 'dynamic':
      return { report: quantizeDynamic(model, { ...options.modeOptions, ...source }) };
    case 'int4':
      return { report: quantizeWeightsInt4(model, { ...options.modeOptions, ...source }) };
    case 'fp16':
      return { report: convertFloat16(model, { ...options.modeOptions, ...source }) };
    case 'static': {
      const ranges = await staticRanges(model, options, preprocess);
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
  preprocess: PreprocessConfig | undefined,
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
  if (images === undefined || preprocess === undefined) {
    throw new VitOptError(
      'INVALID_ARGUMENT',
      'static quantization needs activation ranges: give images to calibrate on, or ranges',
      { subject: 'images' },
    );
  }
  const { limit, ...calibration } = options.calibration ?? {};
  const feeds = await imageFolderFeeds(model, images.folder, { preprocess, limit });
  options.onProgress?.({ stage: 'calibrating', done: 0, total: feeds.imageCount });
  const m = options.modeOptions ?? {};
  const values = await calibrate(model, feeds.feeds, {
    opTypes: m.opTypes,
    includeNodes: m.includeNodes,
    excludeNodes: m.excludeNodes,
    minimumWeightElements: m.minimumWeightElements,
    format: m.format,
    quantizeActivationMatMuls: m.quantizeActivationMatMuls,
    ...calibration,
    ...(options.probe === undefined ? {} : { probe: options.probe }),
    onProgress: (p) =>
      options.onProgress?.({
        stage: 'calibrating',
        done: Math.min(p.samples, feeds.imageCount),
        total: feeds.imageCount,
      }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  return { values, source: 'images', path: images.folder, skippedImages: feeds.skipped };
}
