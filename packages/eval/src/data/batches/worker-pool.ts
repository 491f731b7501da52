import { Worker } from 'node:worker_threads';
import type { PreprocessConfig } from '../preprocess/config.js';
import type { ImageLimits } from '../preprocess/image-limits.js';
import type { BatchTask, BatchTaskResult, WorkerReply, WorkerSetup } from './batch-protocol.js';

/**
 * Running from TypeScript source (vitest, tsx) this module is a `.ts` file, and a worker thread
 * cannot load `.ts` by itself: the `.mjs` entry beside it registers tsx first, and the "source"
 * condition resolves workspace packages to their source as in the parent. Built, the compiled
 * worker sits beside this file.
 */
const fromSource = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(
  fromSource ? './preprocess-worker.source.mjs' : './preprocess-worker.js',
  import.meta.url,
);
const WORKER_EXEC_ARGV = fromSource ? ['--conditions=source'] : [];

interface QueuedTask {
  readonly task: BatchTask;
  readonly resolve: (result: BatchTaskResult) => void;
  readonly reject: (error: Error) => void;
}

/**
 * Worker threads that decode and preprocess batches (see preprocess-worker.ts), one batch per
 * worker at a time, queued in order. A worker is referenced only while it has work, so an
 * abandoned pool never keeps the process alive. If a worker dies, the pool fails every task.
 */
export class PreprocessWorkerPool {
  readonly #idle: Worker[] = [];
  readonly #running = new Map<Worker, QueuedTask>();
  readonly #queue: QueuedTask[] = [];
  readonly #workers: Worker[];
  #failure: Error | undefined;

  constructor(configs: readonly PreprocessConfig[], size: number, limits: Required<ImageLimits>) {
    const workerData: WorkerSetup = { configs, limits };
    this.#workers = Array.from({ length: size }, () => {
      const worker = new Worker(WORKER_URL, { workerData, execArgv: WORKER_EXEC_ARGV });
      worker.unref();
      worker.on('message', (reply: WorkerReply) => this.#onReply(worker, reply));
      worker.on('error', (error) => this.#fail(error));
      worker.on('exit', (code) => {
        if (this.#workers.includes(worker))
          this.#fail(new Error(`worker exited with code ${code}`));
      });
      this.#idle.push(worker);
      return worker;
    });
  }

  run(items: BatchTask['items'], padTo: number | null): Promise<BatchTaskResult> {
    return new Promise((resolve, reject) => {
      if (this.#failure !== undefined) return reject(this.#failure);
      this.#queue.push({ task: { items, padTo }, resolve, reject });
      this.#dispatch();
    });
  }

  /** Stops every worker; tasks not finished yet fail. */
  async close(): Promise<void> {
    const workers = this.#workers.splice(0);
    this.#fail(new Error('the preprocessing pool was closed'));
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  #dispatch(): void {
    while (this.#idle.length > 0 && this.#queue.length > 0) {
      const worker = this.#idle.pop() as Worker;
      const queued = this.#queue.shift() as QueuedTask;
      this.#running.set(worker, queued);
      worker.ref();
      worker.postMessage(queued.task);
    }
  }

  #onReply(worker: Worker, reply: WorkerReply): void {
    const queued = this.#running.get(worker);
    if (queued === undefined) return;
    this.#running.delete(worker);
    worker.unref();
    this.#idle.push(worker);
    if (reply.kind === 'result') queued.resolve(reply.result);
    else queued.reject(new Error(`preprocessing worker failed: ${reply.message}`));
    this.#dispatch();
  }

  /** A dead worker is a crash (a bug or the environment), not a bad input, so a plain Error. */
  #fail(cause: Error): void {
    this.#failure ??= new Error(`preprocessing stopped: ${cause.message}`, { cause });
    for (const queued of [...this.#running.values(), ...this.#queue.splice(0)]) {
      queued.reject(this.#failure);
    }
    this.#running.clear();
  }
}
