import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { existsSync } from 'node:fs';
import { encodeModel, type Model } from '@vit-opt/graph';
import * as ort from 'onnxruntime-node';

/** The ViT-B/16 benchmark model (`npm run fixtures:vit-base` makes it). */
export const VIT_BASE_PATH = 'bench/models/vit-base-patch16-224/model.onnx';

export function requireVitBase(path = VIT_BASE_PATH): string {
  if (!existsSync(path)) {
    console.error(`${path}: missing; make it first with: npm run fixtures:vit-base`);
    process.exit(1);
  }
  return path;
}

/**
 * The start of a side-by-side ViT-B/16 benchmark (batch 1, 2 threads, interleaved rounds): the
 * model (first argument, else VIT_BASE_PATH), ROUNDS (default 30), and the machine line printed.
 */
export function sideBySideStart(): { modelPath: string; rounds: number } {
  const modelPath = requireVitBase(process.argv[2]);
  const rounds = Number(process.env.ROUNDS ?? 30);
  console.log(`machine: ${machine()}`);
  console.log(`model: ${modelPath}; batch 1, 2 intra-op threads, ${rounds} interleaved rounds\n`);
  return { modelPath, rounds };
}

export function machine(): string {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  return `${cpu}, ${cpus().length} cores, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function mib(bytes: number): string {
  return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}

/** Runs each variant once per round, interleaved, so drift in machine load hits all alike. */
export async function interleaved<T extends string>(
  rounds: number,
  variants: Record<T, () => unknown | Promise<unknown>>,
): Promise<Record<T, number[]>> {
  const times = Object.fromEntries(Object.keys(variants).map((k) => [k, [] as number[]])) as Record<
    T,
    number[]
  >;
  for (let r = 0; r < rounds; r++) {
    for (const key of Object.keys(variants) as T[]) {
      const started = performance.now();
      await variants[key]();
      times[key].push(performance.now() - started);
    }
  }
  return times;
}

/**
 * `interleaved` over labelled runs, also recording each run's CPU time for the whole process:
 * other processes on shared cores stretch wall time but not the work a run does.
 */
export async function interleavedWithCpuTime(
  rounds: number,
  labels: readonly string[],
  run: (label: string) => Promise<unknown>,
): Promise<{ wallMs: Record<string, number[]>; cpuMs: Record<string, number[]> }> {
  const cpuMs: Record<string, number[]> = Object.fromEntries(labels.map((label) => [label, []]));
  const wallMs = await interleaved(
    rounds,
    Object.fromEntries(
      labels.map((label) => [
        label,
        async () => {
          const before = process.cpuUsage();
          await run(label);
          const used = process.cpuUsage(before);
          cpuMs[label]!.push((used.user + used.system) / 1000);
        },
      ]),
    ),
  );
  return { wallMs, cpuMs };
}

/** Median of the per-round ratios `base` time ÷ `label` time: the speed-up of `label`. */
export function pairedSpeedup(times: Record<string, number[]>, base: string, label: string): number {
  return median(times[base]!.map((t, i) => t / times[label]![i]!));
}

/** How much of the ideal latency cut a measured speed-up reached, e.g. "87%". */
export function shareOfIdeal(speedup: number, ideal: number): string {
  return `${(((1 - 1 / speedup) / (1 - 1 / ideal)) * 100).toFixed(0)}%`;
}

/** Cosine similarity of two equally long vectors (logits of two model variants). */
export function cosineSimilarity(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(aa * bb);
}

export interface TimedSessionOptions {
  /** Where onnxruntime writes the graph it optimized, to count the kernels it chose. */
  readonly optimizedModelPath?: string;
  /** onnxruntime optimizers to leave out, comma-separated. */
  readonly disabledOptimizers?: string;
}

/**
 * A CPU session for timing side by side with others in one process: batch 1 latency with 2
 * intra-op threads, fully optimized, and spinning off, since idle sessions' spinning threads would
 * steal the two cores from the one being timed.
 */
export async function timedSession(model: Model, options: TimedSessionOptions = {}): Promise<ort.InferenceSession> {
  const optimization =
    options.disabledOptimizers === undefined
      ? {}
      : { optimization: { disable_specified_optimizers: options.disabledOptimizers } };
  return ort.InferenceSession.create(encodeModel(model), {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: 2,
    interOpNumThreads: 1,
    logSeverityLevel: 3,
    ...(options.optimizedModelPath === undefined ? {} : { optimizedModelFilePath: options.optimizedModelPath }),
    extra: { session: { intra_op: { allow_spinning: '0' } }, ...optimization },
  });
}

/** What a child process printed, and its peak resident memory (GNU time's %M). */
export interface MeasuredChild {
  readonly stdout: string;
  readonly peakRssBytes: number;
}

/**
 * Runs `command` under /usr/bin/time in a process of its own, so that its peak RSS is its own;
 * throws with the child's stderr when it fails.
 */
export function runMeasuredChild(what: string, command: readonly string[]): MeasuredChild {
  const run = spawnSync('/usr/bin/time', ['-f', '%M', ...command], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (run.status !== 0) throw new Error(`${what} failed: ${run.stderr}`);
  return { stdout: run.stdout, peakRssBytes: Number(run.stderr.trim().split('\n').at(-1)) * 1024 };
}

/** This node with tsx, as the benchmarks run, to start `script` in a child process. */
export const tsxNode = (script: string, ...args: string[]): string[] => [
  process.execPath,
  '--conditions=source',
  '--import',
  'tsx',
  script,
  ...args,
];
