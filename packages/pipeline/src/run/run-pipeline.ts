import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { VitOptError, isVitOptError, loadModel, saveModel, writeFileAtomic } from '@vit-opt/graph';
import {
  evaluate,
  findModelConfig,
  runBenchmark,
  sha256File,
  writeResults,
  type BenchResults,
  type EvalResults,
  type ResultsDocument,
} from '@vit-opt/eval';
import { findPreprocessorConfig } from '@vit-opt/eval/data';
import { readResults } from '@vit-opt/eval/results';
import { renderReport, type ReportInput } from '@vit-opt/report';
import { checkPipelineConfig } from '../config/check-pipeline-config.js';
import type { PipelineConfig, VariantConfig } from '../config/pipeline-config.js';
import { findStep } from '../steps/index.js';
import type { StepOutput, VariantStep } from '../steps/variant-step.js';
import { hashFolder, hashJson } from './content-hash.js';
import {
  newManifest,
  readManifest,
  writeManifest,
  type VariantManifest,
} from './variant-manifest.js';
import { linkOrCopy, makeTempFolder, removeLeftovers, replaceFolder } from './variant-folder.js';

export const VARIANTS_FOLDER = 'variants';
export const REPORT_FOLDER = 'report';
export const REPORT_MANIFEST = 'report.manifest.json';
const MODEL_FILE = 'model.onnx';
const EVAL_FILE = 'eval.json';
const BENCH_FILE = 'bench.json';

const DEFAULT_BENCH_RUNS = 50;

export interface RunPipelineOptions {
  /** The output folder: variants/<name>/ (model, config files, eval.json, bench.json, manifest) and report/. */
  readonly outDir: string;
  /** Rebuild, re-evaluate and re-benchmark every variant even when its inputs have not changed. */
  readonly force?: boolean;
  readonly onProgress?: (progress: PipelineProgress) => void;
  /**
   * Stops the run between batches and runs; the promise rejects with the signal's reason. The
   * variant being made and the report are left as they were: each is written into a hidden
   * folder and renamed into place only when whole.
   */
  readonly signal?: AbortSignal;
}

export type PipelineStage = 'build' | 'eval' | 'bench' | 'report';

/** Where the run is: a stage starting, advancing, finished or skipped as unchanged. */
export interface PipelineProgress {
  readonly stage: PipelineStage;
  readonly state: 'start' | 'progress' | 'done' | 'skipped';
  /** The variant; null for the report. */
  readonly variant: string | null;
  /** 0-based position of the variant; the report comes after the last one. */
  readonly variantIndex: number;
  readonly variantCount: number;
  /**
   * With state 'progress': work done of total, in `unit` (images, percent). A 'start' gives the
   * unit its stage's progress will come in, when it is known ('' otherwise).
   */
  readonly done: number;
  readonly total: number;
  readonly unit: string;
}

/** What one variant is, and what this run did for it. */
export interface VariantOutcome {
  readonly name: string;
  readonly kind: string;
  readonly dir: string;
  readonly modelPath: string;
  readonly modelSha256: string;
  readonly sizeBytes: number;
  readonly evalPath: string;
  readonly benchPath: string;
  /** Made by this run (false: reused from an earlier one, its inputs unchanged). */
  readonly built: boolean;
  readonly evaluated: boolean;
  readonly benchmarked: boolean;
  readonly top1: number;
  /** Against the baseline; null for the baseline itself. */
  readonly top1Delta: number | null;
  /** Latency p50 where the report shows it: the smallest batch and, for it, the most threads. */
  readonly latencyP50Ms: number | null;
  readonly durationMs: number;
  readonly notes: readonly string[];
}

export interface PipelineSummary {
  readonly outDir: string;
  readonly variants: readonly VariantOutcome[];
  readonly report: {
    readonly dir: string;
    readonly html: string;
    readonly summary: string;
    /** Rendered by this run (false: every input unchanged, the earlier report kept). */
    readonly rendered: boolean;
    readonly notes: readonly string[];
  };
  readonly durationMs: number;
}

/** What a variant is made and measured from, fixed for the whole run. */
interface RunInputs {
  readonly config: PipelineConfig;
  readonly outDir: string;
  readonly tool: string;
  readonly machine: unknown;
  readonly sourceSha256: string;
  /** config.json and preprocessor_config.json of the model, copied into every variant. */
  readonly companions: readonly string[];
  readonly companionsHash: string;
  readonly validationHash: string;
  calibrationHash(): Promise<string | null>;
  /** The model the variants are compared with: the pipeline's model. */
  readonly baselinePath: string;
}

/**
 * Builds every variant of the pipeline's model into OUT/variants/<name>/, evaluates it against
 * the model (agreement, KL, top-1 delta with its CI), benchmarks it, and renders the comparison
 * report into OUT/report/. Each stage is skipped when its inputs (model bytes, the variant's
 * recipe, data content, tool version, this machine for measurements) hash as in the manifest an
 * earlier run left; the report is re-rendered only when some result changed.
 */
export async function runPipeline(
  config: PipelineConfig,
  options: RunPipelineOptions,
): Promise<PipelineSummary> {
  const started = performance.now();
  await checkPipelineConfig(config);
  const { signal } = options;
  const variantsDir = join(options.outDir, VARIANTS_FOLDER);
  mkdirSync(variantsDir, { recursive: true });
  removeLeftovers(variantsDir);
  removeLeftovers(options.outDir);
  const inputs = await runInputs(config, options.outDir);

  const outcomes: VariantOutcome[] = [];
  const outputs = new Map<string, { path: string; sha256: string }>();
  for (const [index, variant] of config.variants.entries()) {
    signal?.throwIfAborted();
    const report = (
      stage: PipelineStage,
      state: PipelineProgress['state'],
      done = 0,
      total = 0,
      unit = '',
    ): void =>
      options.onProgress?.({
        stage,
        state,
        variant: variant.name,
        variantIndex: index,
        variantCount: config.variants.length,
        done,
        total,
        unit,
      });
    const from =
      variant.from === undefined
        ? { path: config.model, sha256: inputs.sourceSha256 }
        : outputs.get(variant.from)!;
    const outcome = await makeVariant(inputs, variant, from, options, report);
    outputs.set(variant.name, { path: outcome.modelPath, sha256: outcome.modelSha256 });
    outcomes.push(outcome);
  }

  const report = await makeReport(inputs, outcomes, options);
  return {
    outDir: options.outDir,
    variants: outcomes,
    report,
    durationMs: performance.now() - started,
  };
}

async function runInputs(config: PipelineConfig, outDir: string): Promise<RunInputs> {
  const companions = [
    await findModelConfig(config.model),
    await findPreprocessorConfig(config.model),
  ].filter((path): path is string => path !== null);
  const companionHashes: Record<string, string> = {};
  for (const path of companions) companionHashes[basename(path)] = await sha256File(path);
  const validation = config.data.validation;
  let calibrationHash: Promise<string | null> | undefined;
  return {
    config,
    outDir,
    tool: toolVersion(),
    machine: machineFingerprint(),
    sourceSha256: await sha256File(config.model),
    companions,
    companionsHash: hashJson(companionHashes),
    validationHash: statSync(validation).isDirectory()
      ? await hashFolder(validation)
      : await sha256File(validation),
    // Hashed only when a variant calibrates.
    calibrationHash: () =>
      (calibrationHash ??=
        config.data.calibration === undefined
          ? Promise.resolve(null)
          : hashFolder(config.data.calibration)),
    baselinePath: config.model,
  };
}

/** Builds, evaluates and benchmarks one variant, reusing each stage whose inputs are unchanged. */
async function makeVariant(
  inputs: RunInputs,
  variant: VariantConfig,
  from: { path: string; sha256: string },
  options: RunPipelineOptions,
  report: (
    stage: PipelineStage,
    state: PipelineProgress['state'],
    done?: number,
    total?: number,
    unit?: string,
  ) => void,
): Promise<VariantOutcome> {
  const started = performance.now();
  const { config, tool } = inputs;
  const step = findStep(variant.kind)!;
  const dir = join(inputs.outDir, VARIANTS_FOLDER, variant.name);
  const modelPath = join(dir, MODEL_FILE);
  const isBaseline = variant.kind === 'baseline';
  const usesCalibration = step.usesCalibration(variant.options);
  const buildKey = hashJson({
    tool,
    kind: variant.kind,
    options: variant.options,
    fingerprint: step.fingerprint?.(variant.options) ?? null,
    inputModel: from.sha256,
    companions: inputs.companionsHash,
    calibration: usesCalibration
      ? { data: await inputs.calibrationHash(), preprocess: config.preprocess ?? null }
      : null,
  });
  const evalKey = (modelSha256: string): string =>
    hashJson({
      tool,
      machine: inputs.machine,
      model: modelSha256,
      // The model is preprocessed as its own config says, so a variant at another input size is
      // compared with it too: evaluations from before that, made without it, are not reused.
      baseline: isBaseline ? null : { sha256: inputs.sourceSha256, ownPreprocessing: true },
      data: inputs.validationHash,
      companions: inputs.companionsHash,
      preprocess: config.preprocess ?? null,
      settings: config.eval ?? {},
    });
  const benchKey = (modelSha256: string): string =>
    hashJson({ tool, machine: inputs.machine, model: modelSha256, settings: config.bench ?? {} });

  const old = options.force === true ? undefined : readManifest(dir);
  const present = (file: string): boolean => existsSync(join(dir, file));
  const buildReused = old !== undefined && old.build.key === buildKey && present(MODEL_FILE);
  const evalReused = (sha: string): boolean =>
    old !== undefined && old.eval.key === evalKey(sha) && present(old.eval.file);
  const benchReused = (sha: string): boolean =>
    old !== undefined && old.bench.key === benchKey(sha) && present(old.bench.file);

  if (buildReused && evalReused(old.build.modelSha256) && benchReused(old.build.modelSha256)) {
    for (const stage of ['build', 'eval', 'bench'] as const) report(stage, 'skipped');
    return outcome(
      variant,
      dir,
      old,
      { built: false, evaluated: false, benchmarked: false },
      started,
    );
  }

  const temp = makeTempFolder(dir);
  try {
    const tempModel = join(temp, MODEL_FILE);
    let notes: readonly string[];
    if (buildReused) {
      report('build', 'skipped');
      for (const name of [MODEL_FILE, ...inputs.companions.map((p) => basename(p))]) {
        if (present(name)) linkOrCopy(join(dir, name), join(temp, name));
      }
      notes = old.build.notes;
    } else {
      report('build', 'start');
      const built = await buildModel(
        step,
        variant,
        from,
        inputs,
        tempModel,
        options.signal,
        (done, total, unit) => report('build', 'progress', done, total, unit),
      );
      notes = built.notes;
      // The config files of what it was made from: the model's, or an earlier variant's own.
      const companions =
        variant.from === undefined
          ? inputs.companions
          : inputs.companions
              .map((path) => join(dirname(from.path), basename(path)))
              .filter((path) => existsSync(path));
      for (const path of companions) linkOrCopy(path, join(temp, basename(path)));
      for (const [name, text] of Object.entries(built.configs)) {
        // A link to the input's file is replaced, never written through.
        rmSync(join(temp, name), { force: true });
        writeFileSync(join(temp, name), text);
      }
      report('build', 'done');
    }
    const modelSha256 = await sha256File(tempModel);
    const at = (document: ResultsDocument): ResultsDocument => movedTo(document, modelPath);

    const evaluated = !evalReused(modelSha256);
    if (!evaluated) {
      report('eval', 'skipped');
      linkOrCopy(join(dir, EVAL_FILE), join(temp, EVAL_FILE));
    } else {
      report('eval', 'start', 0, 0, 'images');
      // The model is preprocessed as its own config says (with the pipeline's preprocess), the
      // variant as its own: a variant at another input size is compared image for image too.
      const results = await evaluate({
        modelPath: tempModel,
        dataPath: config.data.validation,
        ...(isBaseline ? {} : { baselinePath: inputs.baselinePath }),
        ...(config.preprocess === undefined
          ? {}
          : { preprocess: config.preprocess, baselinePreprocess: config.preprocess }),
        ...(config.eval?.limit === undefined ? {} : { limit: config.eval.limit }),
        ...(config.eval?.batchSize === undefined ? {} : { batchSize: config.eval.batchSize }),
        ...(config.eval?.threads === undefined ? {} : { intraOpThreads: config.eval.threads }),
        onProgress: (p) => report('eval', 'progress', p.done, p.total, 'images'),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
      writeResults(join(temp, EVAL_FILE), at(results));
      report('eval', 'done');
    }

    const benchmarked = !benchReused(modelSha256);
    if (!benchmarked) {
      report('bench', 'skipped');
      linkOrCopy(join(dir, BENCH_FILE), join(temp, BENCH_FILE));
    } else {
      report('bench', 'start', 0, 100, 'percent');
      const bench = config.bench ?? {};
      const results = await runBenchmark(tempModel, {
        batchSizes: bench.batchSizes ?? [1],
        threads: bench.threads ?? [availableParallelism()],
        stop: { runs: bench.runs ?? DEFAULT_BENCH_RUNS },
        ...(bench.warmupRuns === undefined ? {} : { warmupRuns: bench.warmupRuns }),
        onProgress: (p) =>
          report('bench', 'progress', Math.round(p.fraction * 100), 100, 'percent'),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
      writeResults(join(temp, BENCH_FILE), at(results));
      report('bench', 'done');
    }

    const manifest = newManifest({
      name: variant.name,
      kind: variant.kind,
      tool,
      build: { key: buildKey, modelSha256, notes },
      eval: { key: evalKey(modelSha256), file: EVAL_FILE },
      bench: { key: benchKey(modelSha256), file: BENCH_FILE },
    });
    // Written last: a folder with a manifest is a whole variant.
    writeManifest(temp, manifest);
    options.signal?.throwIfAborted();
    replaceFolder(temp, dir);
    return outcome(
      variant,
      dir,
      manifest,
      { built: !buildReused, evaluated, benchmarked },
      started,
    );
  } catch (error) {
    throw blameVariant(error, variant, options.signal);
  } finally {
    removeQuietly(temp);
  }
}

async function buildModel(
  step: VariantStep,
  variant: VariantConfig,
  from: { path: string; sha256: string },
  inputs: RunInputs,
  outputPath: string,
  signal: AbortSignal | undefined,
  onProgress: (done: number, total: number, unit: string) => void,
): Promise<{ notes: readonly string[]; configs: Readonly<Record<string, string>> }> {
  const output: StepOutput = await step.build({
    model: loadModel(from.path),
    modelPath: from.path,
    modelSha256: from.sha256,
    options: variant.options,
    calibration: inputs.config.data.calibration,
    preprocess: inputs.config.preprocess ?? {},
    onProgress,
    signal,
  });
  signal?.throwIfAborted();
  if ('unchanged' in output) {
    linkOrCopy(from.path, outputPath);
    return { notes: [], configs: {} };
  }
  saveModel(output.model, outputPath);
  return { notes: output.notes ?? [], configs: output.configs ?? {} };
}

/** Results measured on the model in the temp folder name the model's final path. */
function movedTo<T extends ResultsDocument>(document: T, modelPath: string): T {
  return { ...document, model: { ...document.model, path: modelPath } };
}

function outcome(
  variant: VariantConfig,
  dir: string,
  manifest: VariantManifest,
  did: { built: boolean; evaluated: boolean; benchmarked: boolean },
  started: number,
): VariantOutcome {
  const evalPath = join(dir, manifest.eval.file);
  const benchPath = join(dir, manifest.bench.file);
  const evalResults = JSON.parse(readFileSync(evalPath, 'utf8')) as EvalResults;
  const benchResults = JSON.parse(readFileSync(benchPath, 'utf8')) as BenchResults;
  const m = evalResults.metrics;
  return {
    name: variant.name,
    kind: variant.kind,
    dir,
    modelPath: join(dir, MODEL_FILE),
    modelSha256: manifest.build.modelSha256,
    sizeBytes: evalResults.model.size_bytes,
    evalPath,
    benchPath,
    ...did,
    top1: m.top1,
    top1Delta: 'top1_delta' in m ? m.top1_delta : null,
    latencyP50Ms: headlineLatencyMs(benchResults),
    durationMs: performance.now() - started,
    notes: manifest.build.notes,
  };
}

/**
 * The figure the report's table and charts show (its bench configuration when every variant was
 * measured alike, as in a pipeline), so the terminal and the report agree.
 */
function headlineLatencyMs(results: BenchResults): number | null {
  const measurements = results.bench.measurements;
  if (measurements.length === 0) return null;
  const batch = Math.min(...measurements.map((m) => m.batch_size));
  const atBatch = measurements.filter((m) => m.batch_size === batch);
  const threads = Math.max(...atBatch.map((m) => m.intra_op_threads));
  return atBatch.find((m) => m.intra_op_threads === threads)!.latency.p50_ms;
}

/** Renders the report from every variant's results, unless none of them changed since the last. */
async function makeReport(
  inputs: RunInputs,
  outcomes: readonly VariantOutcome[],
  options: RunPipelineOptions,
): Promise<PipelineSummary['report']> {
  const { config } = inputs;
  const progress = (state: PipelineProgress['state']): void =>
    options.onProgress?.({
      stage: 'report',
      state,
      variant: null,
      variantIndex: outcomes.length,
      variantCount: outcomes.length,
      done: 0,
      total: 0,
      unit: '',
    });
  const dir = join(options.outDir, REPORT_FOLDER);
  const notes: string[] = [];
  // One model, one row: a variant whose model is byte for byte an earlier one's is left out.
  const seen = new Map<string, string>();
  const shown: VariantOutcome[] = [];
  for (const o of outcomes) {
    const same = seen.get(o.modelSha256);
    if (same !== undefined) {
      notes.push(`variant "${o.name}" is the same model as "${same}", shown once`);
      continue;
    }
    seen.set(o.modelSha256, o.name);
    shown.push(o);
  }
  const baseline = shown.find((o) => o.kind === 'baseline');
  const settings = {
    ...(config.report?.title === undefined ? {} : { title: config.report.title }),
    ...(baseline === undefined ? {} : { baseline: baseline.name }),
  };
  const key = hashJson({
    tool: inputs.tool,
    settings,
    results: await Promise.all(
      shown.map(async (o) => [o.name, await sha256File(o.evalPath), await sha256File(o.benchPath)]),
    ),
  });
  const manifestPath = join(options.outDir, REPORT_MANIFEST);
  const paths = { dir, html: join(dir, 'report.html'), summary: join(dir, 'summary.md') };
  if (options.force !== true && readReportKey(manifestPath) === key && existsSync(paths.html)) {
    progress('skipped');
    return { ...paths, rendered: false, notes };
  }
  progress('start');
  const results: ReportInput[] = [];
  for (const o of shown) {
    results.push({ source: o.evalPath, name: o.name, results: await readResults(o.evalPath) });
    results.push({ source: o.benchPath, name: o.name, results: await readResults(o.benchPath) });
  }
  const rendered = await renderReport(results, dir, {
    ...settings,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  writeFileAtomic(
    manifestPath,
    `${JSON.stringify({ format: 'vit-opt.report-manifest', version: 1, key }, null, 2)}\n`,
  );
  progress('done');
  return {
    dir,
    html: rendered.html,
    summary: rendered.summary,
    rendered: true,
    notes: [...notes, ...rendered.data.notes],
  };
}

function readReportKey(path: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { key?: string }).key;
  } catch {
    return undefined;
  }
}

/** The version of vit-opt that made a variant: a new one may make it differently. */
function toolVersion(): string {
  // package.json sits two levels above both src/run/ (tests) and dist/run/.
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    name: string;
    version: string;
  };
  return `${pkg.name}@${pkg.version}`;
}

/** Measurements of another machine are not this one's. */
function machineFingerprint(): unknown {
  return { cpu: cpus()[0]?.model ?? 'unknown', cores: availableParallelism(), arch: process.arch };
}

/** A failure while making a variant names it; Ctrl-C stays itself. */
function blameVariant(
  error: unknown,
  variant: VariantConfig,
  signal: AbortSignal | undefined,
): unknown {
  if (signal?.aborted === true) return signal.reason;
  if (!isVitOptError(error)) return error;
  return new VitOptError(
    error.code,
    `variant "${variant.name}" (${variant.kind}): ${error.toOneLine()}`,
    {
      cause: error,
    },
  );
}

function removeQuietly(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true });
  } catch {
    // A temp folder left behind is removed by the next run (removeLeftovers).
  }
}
