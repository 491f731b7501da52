import type { InferenceSession, Tensor } from 'onnxruntime-node';

/** What ends a measurement: a number of timed runs, or a time budget. */
export type BenchStop = { readonly runs: number } | { readonly seconds: number };

export interface MeasureLatencyOptions {
  readonly warmupRuns: number;
  readonly stop: BenchStop;
  readonly signal?: AbortSignal;
  /** Called after each warm-up and timed run, with the share of the timed part done (0..1). */
  readonly onRun?: (run: {
    readonly warmup: boolean;
    readonly runsDone: number;
    readonly fraction: number;
  }) => void;
}

/**
 * Milliseconds of each timed `session.run` after `warmupRuns` untimed ones (the first runs
 * allocate memory and pick kernels). A run is timed as a caller sees it: from the call to the
 * outputs being back in JavaScript. An abort is honoured between runs.
 */
export async function measureLatency(
  session: InferenceSession,
  feeds: Record<string, Tensor>,
  options: MeasureLatencyOptions,
): Promise<number[]> {
  const { stop, signal, onRun } = options;
  for (let run = 0; run < options.warmupRuns; run++) {
    signal?.throwIfAborted();
    await session.run(feeds);
    onRun?.({ warmup: true, runsDone: 0, fraction: 0 });
  }
  const latenciesMs: number[] = [];
  const budgetMs = 'seconds' in stop ? stop.seconds * 1000 : Infinity;
  const started = performance.now();
  for (;;) {
    signal?.throwIfAborted();
    const before = performance.now();
    await session.run(feeds);
    const after = performance.now();
    latenciesMs.push(after - before);
    const fraction =
      'runs' in stop ? latenciesMs.length / stop.runs : Math.min((after - started) / budgetMs, 1);
    onRun?.({ warmup: false, runsDone: latenciesMs.length, fraction });
    if (fraction >= 1) return latenciesMs;
  }
}
