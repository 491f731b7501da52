import { isDeepStrictEqual } from 'node:util';
import { VitOptError, isVitOptError } from '@vit-opt/graph';
import { imageBatches } from '../data/batches/image-batches.js';
import type { ImageFailure } from '../data/batches/batch-protocol.js';
import { openDataset } from '../data/datasets/open-dataset.js';
import { selectItems, type ItemSelection } from '../data/datasets/selection.js';
import { checkImageInputShape } from '../data/input-shape.js';
import type { PreprocessConfig, PreprocessOverrides } from '../data/preprocess/config.js';
import type { ImageLimits } from '../data/preprocess/image-limits.js';
import { findPreprocessorConfig, loadPreprocessConfig } from '../data/preprocess/config-file.js';
import { preprocessedSize } from '../data/preprocess/preprocess-image.js';
import { resolvePreprocessConfig } from '../data/preprocess/config.js';
import { ClassificationAccumulator } from '../metrics/classification-accumulator.js';
import { buildEvalResults } from '../results/build-eval-results.js';
import { describeDataset } from '../results/describe-dataset.js';
import { describeModel } from '../results/describe-model.js';
import { describePreprocessing } from '../results/describe-preprocessing.js';
import { captureEnvironment } from '../results/environment.js';
import type { EvalResults, GraphOptimizationLevel } from '../results/results-document.js';
import { ClassifierSession } from './classifier-session.js';
import { readId2Label } from './model-config.js';

export interface EvaluateOptions extends ImageLimits {
  readonly modelPath: string;
  /** An ImageFolder directory, or a CSV/JSONL manifest. */
  readonly dataPath: string;
  /** Replaces the model's id2label for matching class folders / manifest labels. */
  readonly labelsFile?: string;
  /**
   * Run on the same images in the same pass, for agreement, KL and the top-1 delta. It is
   * preprocessed as the preprocessor_config.json beside it says (another input size, say), else
   * as the model is; each image is decoded once for both.
   */
  readonly baselinePath?: string;
  /**
   * Replaces steps of the baseline's own preprocessor_config.json. Not used for a baseline
   * without one, which takes the model's preprocessing (`preprocess` included).
   */
  readonly baselinePreprocess?: PreprocessOverrides;
  readonly batchSize?: number;
  readonly intraOpThreads?: number;
  readonly interOpThreads?: number;
  readonly graphOptimizationLevel?: GraphOptimizationLevel;
  readonly executionProvider?: string;
  readonly limit?: number;
  readonly sample?: { readonly count: number; readonly seed: number };
  readonly shard?: { readonly index: number; readonly count: number };
  /** Override the preprocessor_config.json (or stand in for a missing one). */
  readonly preprocess?: PreprocessOverrides;
  /** Fail on the first image that cannot be read, instead of counting and listing it. */
  readonly strict?: boolean;
  /** Threads decoding and preprocessing images. */
  readonly workers?: number;
  readonly onProgress?: (progress: EvaluateProgress) => void;
  readonly signal?: AbortSignal;
}

export interface EvaluateProgress {
  readonly done: number;
  readonly total: number;
  readonly failures: number;
}

const DEFAULT_BATCH_SIZE = 32;

/**
 * Top-1/top-5/per-class accuracy of an image classifier on a dataset, optionally against a
 * baseline run on the same images in the same batches, each preprocessed for its own model.
 * Preprocessing of the next batches runs in worker threads while onnxruntime runs the current one.
 */
export async function evaluate(options: EvaluateOptions): Promise<EvalResults> {
  const started = performance.now();
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const id2label = await readId2Label(options.modelPath);
  const preprocessing = await resolvePreprocessing(options);
  const baselinePreprocessing =
    options.baselinePath === undefined
      ? undefined
      : await resolveBaselinePreprocessing(
          options.baselinePath,
          options.baselinePreprocess,
          preprocessing,
        );
  // Preprocessed a second time only when the baseline's differs from the model's.
  const pairedConfig =
    baselinePreprocessing === undefined || isDeepStrictEqual(baselinePreprocessing, preprocessing)
      ? undefined
      : baselinePreprocessing;
  const dataset = await openDataset(options.dataPath, {
    ...(id2label === undefined ? {} : { id2label }),
    ...(options.labelsFile === undefined ? {} : { labelsFile: options.labelsFile }),
  });
  const selection: ItemSelection = {
    ...(options.sample === undefined ? {} : { sample: options.sample }),
    ...(options.limit === undefined ? {} : { limit: options.limit }),
    ...(options.shard === undefined ? {} : { shard: { ...options.shard, blockSize: batchSize } }),
  };
  const items = selectItems(dataset.items, selection);
  if (items.length === 0) {
    throw new VitOptError('INVALID_ARGUMENT', 'the selection holds no images', {
      subject: options.dataPath,
    });
  }

  const settings = {
    executionProvider: options.executionProvider ?? 'cpu',
    intraOpThreads: options.intraOpThreads ?? 0,
    interOpThreads: options.interOpThreads ?? 0,
    graphOptimizationLevel: options.graphOptimizationLevel ?? 'all',
    spinning: options.baselinePath === undefined,
  } as const;
  const model = await ClassifierSession.create(options.modelPath, settings);
  const baseline =
    options.baselinePath === undefined
      ? undefined
      : await ClassifierSession.create(options.baselinePath, settings);
  try {
    const fixed = [
      checkImageInputShape(model.inputName, model.inputShape, preprocessedSize(preprocessing))
        .fixedBatchSize,
    ];
    if (baseline !== undefined) {
      fixed.push(
        checkBaselineInputShape(
          baseline,
          baselinePreprocessing ?? preprocessing,
          options.baselinePath!,
        ),
      );
    }
    const fixedBatch = fixed.find((f) => f !== null) ?? null;
    if (fixed.some((f) => f !== null && f !== fixedBatch)) {
      throw new VitOptError(
        'INVALID_ARGUMENT',
        'the model and the baseline fix different batch sizes',
        {
          subject: options.baselinePath,
        },
      );
    }
    if (
      fixedBatch !== null &&
      options.batchSize !== undefined &&
      options.batchSize !== fixedBatch
    ) {
      throw new VitOptError(
        'INVALID_ARGUMENT',
        `the model takes batches of exactly ${fixedBatch}; --batch ${options.batchSize} does not fit`,
        { subject: options.modelPath },
      );
    }
    const runBatchSize = fixedBatch ?? batchSize;

    let accumulator: ClassificationAccumulator | undefined;
    const failures: ImageFailure[] = [];
    let inferenceMs = 0;
    let inputWaitMs = 0;
    let done = 0;
    let waitStarted = performance.now();
    for await (const batch of imageBatches(items, preprocessing, {
      batchSize: runBatchSize,
      padToBatchSize: fixedBatch !== null,
      ...(pairedConfig === undefined ? {} : { pairedConfig }),
      ...(options.workers === undefined ? {} : { workers: options.workers }),
      ...(options.maxImagePixels === undefined ? {} : { maxImagePixels: options.maxImagePixels }),
      ...(options.maxImageBytes === undefined ? {} : { maxImageBytes: options.maxImageBytes }),
    })) {
      inputWaitMs += performance.now() - waitStarted;
      if (options.signal?.aborted) throw abortError(options.signal);
      if (batch.failures.length > 0) {
        if (options.strict) {
          const first = batch.failures[0]!;
          throw new VitOptError(
            'CORRUPT',
            `${first.reason} (--strict stops at the first bad image)`,
            {
              subject: first.path,
            },
          );
        }
        failures.push(...batch.failures);
      }
      if (batch.count > 0) {
        const runStarted = performance.now();
        const result = await model.run(batch.pixels, batch.dims);
        const baselineInput = batch.paired ?? batch;
        const baselineResult = await baseline?.run(baselineInput.pixels, baselineInput.dims);
        inferenceMs += performance.now() - runStarted;
        accumulator ??= new ClassificationAccumulator({
          classCount: result.classCount,
          withBaseline: baseline !== undefined,
        });
        accumulator.addBatch({
          indices: batch.indices,
          labels: batch.labels,
          logits: result.logits,
          ...(baselineResult === undefined ? {} : { baselineLogits: baselineResult.logits }),
        });
      }
      done += batch.indices.length + batch.failures.length;
      options.onProgress?.({ done, total: items.length, failures: failures.length });
      waitStarted = performance.now();
    }
    if (accumulator === undefined) {
      throw new VitOptError('CORRUPT', `none of the ${items.length} images could be read`, {
        subject: options.dataPath,
      });
    }
    const classNames =
      id2label === undefined
        ? undefined
        : Array.from(
            { length: Object.keys(id2label).length },
            (_, i) => id2label[String(i)] ?? String(i),
          );
    const modelDescription = await describeModel(options.modelPath);
    const baselineDescription =
      options.baselinePath === undefined ? null : await describeModel(options.baselinePath);
    return buildEvalResults({
      model: modelDescription,
      baselineModel: baselineDescription,
      dataset: await describeDataset(dataset, {
        path: options.dataPath,
        selection,
        ...(classNames === undefined ? {} : { classNames }),
      }),
      preprocessing: describePreprocessing(preprocessing),
      ...(baselinePreprocessing === undefined
        ? {}
        : { baselinePreprocessing: describePreprocessing(baselinePreprocessing) }),
      runtime: {
        execution_provider: settings.executionProvider,
        graph_optimization_level: settings.graphOptimizationLevel,
        intra_op_threads: settings.intraOpThreads,
        inter_op_threads: settings.interOpThreads,
        batch_size: runBatchSize,
      },
      environment: captureEnvironment(
        baselineDescription === null ? [modelDescription] : [modelDescription, baselineDescription],
      ),
      classCount: accumulator.classCount,
      items: accumulator.records(),
      failures: failures.map((f) => ({
        index: f.index,
        path: f.path,
        code: f.code,
        reason: f.reason,
      })),
      timings: { wallMs: performance.now() - started, inferenceMs, inputWaitMs },
    });
  } finally {
    await model.release();
    await baseline?.release();
  }
}

async function resolvePreprocessing(options: EvaluateOptions) {
  const path = await findPreprocessorConfig(options.modelPath);
  if (path !== null) return loadPreprocessConfig(path, options.preprocess);
  if (options.preprocess?.size === undefined) {
    throw new VitOptError(
      'INVALID_ARGUMENT',
      'no preprocessor_config.json beside the model; give the preprocessing as options (at least the size)',
      { subject: options.modelPath },
    );
  }
  return resolvePreprocessConfig({}, { source: 'options', overrides: options.preprocess });
}

/** Its own preprocessor_config.json (with `overrides`), else the model's preprocessing. */
async function resolveBaselinePreprocessing(
  baselinePath: string,
  overrides: PreprocessOverrides | undefined,
  modelPreprocessing: PreprocessConfig,
): Promise<PreprocessConfig> {
  const path = await findPreprocessorConfig(baselinePath);
  return path === null ? modelPreprocessing : loadPreprocessConfig(path, overrides);
}

/** The baseline's fixed batch size; a shape its images do not fit is an error naming it. */
function checkBaselineInputShape(
  baseline: ClassifierSession,
  preprocessing: PreprocessConfig,
  baselinePath: string,
): number | null {
  try {
    return checkImageInputShape(
      baseline.inputName,
      baseline.inputShape,
      preprocessedSize(preprocessing),
    ).fixedBatchSize;
  } catch (error) {
    if (!isVitOptError(error)) throw error;
    throw new VitOptError(error.code, `the baseline's ${error.message}`, {
      subject: baselinePath,
      cause: error,
    });
  }
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error
    ? signal.reason
    : new DOMException('evaluation aborted', 'AbortError');
}
