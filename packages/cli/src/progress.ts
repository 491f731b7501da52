import type { CliIo } from './io.js';

/** Reports progress; `close()` ends a line left open on a terminal, before an error is printed. */
export interface ProgressReporter {
  (done: number, total: number): void;
  close(): void;
}

/**
 * Progress with rate and ETA on stderr: one line redrawn in place on a terminal, plain lines at
 * most every few seconds otherwise (CI logs), so a pipeline's log shows the run is alive.
 */
export function progressReporter(io: CliIo, label: string, unit: string): ProgressReporter {
  const started = performance.now();
  const tty = (io.stderr as { isTTY?: boolean }).isTTY === true;
  let lastPrinted = 0;
  let lineOpen = false;
  const report = (done: number, total: number): void => {
    const now = performance.now();
    const finished = done >= total;
    if (!finished && now - lastPrinted < (tty ? 100 : 5000)) return;
    lastPrinted = now;
    const seconds = (now - started) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    const eta = rate > 0 ? (total - done) / rate : 0;
    const percent = total > 0 ? Math.floor((100 * done) / total) : 0;
    const line = `${label} ${percent}% ${done}/${total} ${unit}, ${rate.toFixed(1)} ${unit}/s, ETA ${eta.toFixed(0)} s`;
    io.stderr.write(tty ? `\r${line}${finished ? '\n' : ''}` : `${line}\n`);
    lineOpen = tty && !finished;
  };
  return Object.assign(report, {
    close(): void {
      if (lineOpen) io.stderr.write('\n');
      lineOpen = false;
    },
  });
}

/** What a library reports of a long stage: how far it is, of how many. */
export interface StageProgress {
  /** The stage, which labels the line ('calibrating', 'scoring'…). */
  readonly stage: string;
  readonly done: number;
  readonly total: number;
}

/**
 * Progress for a library's `onProgress`: the first report of a stage (none done yet) starts its
 * line and the clock its rate and ETA are measured from, the others draw it.
 */
export function stageProgress(
  io: CliIo,
  unit: string,
): { onProgress: (progress: StageProgress) => void; close(): void } {
  let reporter: ProgressReporter | undefined;
  let stage: string | undefined;
  return {
    onProgress: (p) => {
      if (reporter !== undefined && p.stage === stage) return reporter(p.done, p.total);
      reporter?.close();
      reporter = progressReporter(io, p.stage, unit);
      stage = p.stage;
    },
    close: () => reporter?.close(),
  };
}

// Interrupt handling lives in interrupt.ts; re-exported for the commands that import it from here.
export { InterruptedError, interruptSignal, throwIfInterrupted } from './interrupt.js';
