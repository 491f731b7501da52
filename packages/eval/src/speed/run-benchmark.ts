import { VitOptError } from '@vit-opt/graph';
import { openSession } from '../runtime/open-session.js';
import { describeModel } from '../results/describe-model.js';
import { captureEnvironment } from '../results/environment.js';
import {
  RESULTS_SCHEMA_VERSION,
  type BenchMeasurement,
  type BenchResults,
  type GraphOptimizationLevel,
} from '../results/results-document.js';
import { summarizeLatencies } from './latency-summary.js';
import { measureLatency, type BenchStop } from './measure-latency.js';
import {
  checkBatchSize,
  describeInputs,
  randomFeeds,
  readModelInputs,
  type ModelInput,
} from './random-inputs.js';
import { defaultThreadSweep } from './thread-sweep.js';

export interface BenchmarkOptions {
  /** Default: the batch size the model fixes, else 1. */
  readonly batchSizes?: readonly number[];
  /** Intra-op thread counts to sweep; default defaultThreadSweep() (1 up to twice the cores). */
  readonly threads?: readonly number[];
  /**
   * When a measurement ends; default 10 seconds of timed runs, which bounds a configuration's
   * time whatever the model. `runs` reports exactly that many runs.
   */
  readonly stop?: BenchStop;
  /** Untimed runs before timing; default 3 (the first allocates and picks kernels). */
  readonly warmupRuns?: number;
  /**
   * Default 'cpu'; any other provider onnxruntime-node has is passed through. One that is unknown
   * or cannot start is a VitOptError with subject 'executionProvider'.
   */
  readonly executionProvider?: string;
  /** Default 'all'. */
  readonly graphOptimizationLevel?: GraphOptimizationLevel;
  /** Default 1: runs are sequential, so an inter-op pool would sit idle. */
  readonly interOpThreads?: number;
  /**
   * Let idle intra-op threads spin (session.intra_op.allow_spinning). Default: off when more
   * than one configuration is measured, so threads spinning in one session cannot take cores
   * from the next (this cut a measured int8 speed-up from 3.2× to 2.3×); on for a single one.
   */
  readonly intraOpSpinning?: boolean;
  /** Called at each step; the CLI draws its progress bar from it. */
  readonly onProgress?: (progress: BenchProgress) => void;
  /** Stops between runs: the promise rejects with the signal's reason and sessions are released. */
  readonly signal?: AbortSignal;
}

export interface BenchProgress {
  readonly phase: 'loading' | 'warmup' | 'measuring';
  /** 0-based position of the configuration (thread count × batch size) being measured. */
  readonly configuration: number;
  readonly configurations: number;
  readonly batchSize: number | null;
  readonly intraOpThreads: number;
  /** Timed runs so far in this configuration. */
  readonly runsDone: number;
  /** Share of the whole benchmark done, 0..1, counting timed runs only (for rate and ETA). */
  readonly fraction: number;
}

const DEFAULT_STOP: BenchStop = { seconds: 10 };
const DEFAULT_WARMUP_RUNS = 3;

/**
 * `vit-opt bench MODEL`: latency and throughput of a model for each intra-op thread count and
 * batch size, on random float32 inputs, plus what the model costs to hold (file size, parameter
 * count, session load time, the process's peak memory). Sessions are made and released one
 * thread count at a time; each serves all batch sizes. Returns the results document.
 */
export async function runBenchmark(
  modelPath: string,
  options: BenchmarkOptions = {},
): Promise<BenchResults> {
  const threads = options.threads ?? defaultThreadSweep();
  const stop = options.stop ?? DEFAULT_STOP;
  const warmupRuns = options.warmupRuns ?? DEFAULT_WARMUP_RUNS;
  const interOpThreads = options.interOpThreads ?? 1;
  const executionProvider = options.executionProvider ?? 'cpu';
  const graphOptimizationLevel = options.graphOptimizationLevel ?? 'all';
  checkOptions({ ...options, threads, stop, warmupRuns, interOpThreads });
  const configurations = threads.length * (options.batchSizes?.length ?? 1);
  const intraOpSpinning = options.intraOpSpinning ?? configurations === 1;
  const { signal, onProgress } = options;

  const model = await describeModel(modelPath);
  const environment = captureEnvironment([model]);
  const measurements: BenchMeasurement[] = [];
  let inputs: ModelInput[] | undefined;
  for (const intraOpThreads of threads) {
    signal?.throwIfAborted();
    onProgress?.({
      phase: 'loading',
      configuration: measurements.length,
      configurations,
      batchSize: null,
      intraOpThreads,
      runsDone: 0,
      fraction: measurements.length / configurations,
    });
    const loadStarted = performance.now();
    const session = await openSession(modelPath, executionProvider, {
      intraOpNumThreads: intraOpThreads,
      interOpNumThreads: interOpThreads,
      executionMode: 'sequential',
      graphOptimizationLevel,
      extra: { session: { intra_op: { allow_spinning: intraOpSpinning ? '1' : '0' } } },
    });
    const sessionLoadMs = performance.now() - loadStarted;
    try {
      inputs ??= readModelInputs(session, modelPath);
      const batchSizes = options.batchSizes ?? [inputs[0]?.fixedBatchSize ?? 1];
      for (const batchSize of batchSizes) {
        checkBatchSize(inputs, batchSize, modelPath);
        const configuration = measurements.length;
        const latenciesMs = await measureLatency(session, randomFeeds(inputs, batchSize), {
          warmupRuns,
          stop,
          ...(signal === undefined ? {} : { signal }),
          onRun: ({ warmup, runsDone, fraction }) =>
            onProgress?.({
              phase: warmup ? 'warmup' : 'measuring',
              configuration,
              configurations,
              batchSize,
              intraOpThreads,
              runsDone,
              fraction: (configuration + fraction) / configurations,
            }),
        });
        const latency = summarizeLatencies(latenciesMs);
        measurements.push({
          batch_size: batchSize,
          intra_op_threads: intraOpThreads,
          session_load_ms: sessionLoadMs,
          runs: latenciesMs.length,
          latency,
          throughput_images_per_second: batchSize / (latency.mean_ms / 1000),
        });
      }
    } finally {
      await session.release();
    }
  }

  return {
    schema_version: RESULTS_SCHEMA_VERSION,
    kind: 'bench',
    created_at: new Date().toISOString(),
    model,
    runtime: {
      execution_provider: executionProvider,
      graph_optimization_level: graphOptimizationLevel,
      inter_op_threads: interOpThreads,
      intra_op_spinning: intraOpSpinning,
    },
    environment,
    bench: {
      inputs: describeInputs(inputs ?? []),
      warmup_runs: warmupRuns,
      stop: 'runs' in stop ? { runs: stop.runs } : { seconds: stop.seconds },
      // maxRSS is in kibibytes, and covers the whole process: every session it has held.
      process_peak_rss_bytes: process.resourceUsage().maxRSS * 1024,
      measurements,
    },
  };
}

function checkOptions(options: {
  readonly batchSizes?: readonly number[];
  readonly threads: readonly number[];
  readonly stop: BenchStop;
  readonly warmupRuns: number;
  readonly interOpThreads: number;
}): void {
  const fail = (option: string, expected: string, got: unknown): never => {
    throw new VitOptError(
      'INVALID_ARGUMENT',
      `${option} must be ${expected}; got ${JSON.stringify(got)}`,
      {
        subject: option,
      },
    );
  };
  const isPositiveInteger = (n: number): boolean => Number.isInteger(n) && n >= 1;
  const { batchSizes, threads, stop, warmupRuns, interOpThreads } = options;
  if (
    batchSizes !== undefined &&
    (batchSizes.length === 0 || !batchSizes.every(isPositiveInteger))
  ) {
    fail('batchSizes', 'one or more integers >= 1', batchSizes);
  }
  if (threads.length === 0 || !threads.every(isPositiveInteger))
    fail('threads', 'one or more integers >= 1', threads);
  if ('runs' in stop && !isPositiveInteger(stop.runs)) fail('runs', 'an integer >= 1', stop.runs);
  if ('seconds' in stop && !(stop.seconds > 0 && Number.isFinite(stop.seconds))) {
    fail('seconds', 'a number > 0', stop.seconds);
  }
  if (!Number.isInteger(warmupRuns) || warmupRuns < 0)
    fail('warmupRuns', 'an integer >= 0', warmupRuns);
  if (!Number.isInteger(interOpThreads) || interOpThreads < 0)
    fail('interOpThreads', 'an integer >= 0', interOpThreads);
}
