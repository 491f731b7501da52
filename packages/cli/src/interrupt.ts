/** The signals that stop a run: Ctrl-C, and what a job scheduler or `kill` sends. */
export type InterruptSignalName = 'SIGINT' | 'SIGTERM';

const SIGNAL_NUMBERS: Readonly<Record<InterruptSignalName, number>> = { SIGINT: 2, SIGTERM: 15 };

/** The reason a run stopped by a signal fails with: an expected end, not a bug (see errors.ts). */
export class InterruptedError extends Error {
  readonly signal: InterruptSignalName;

  constructor(signal: InterruptSignalName = 'SIGINT') {
    super(`interrupted (${signal === 'SIGINT' ? 'Ctrl-C' : 'SIGTERM'}): no results written`);
    this.name = 'InterruptedError';
    this.signal = signal;
  }

  /** 128 + the signal's number, as a shell reports a process the signal ended: 130, 143. */
  get exitCode(): number {
    return 128 + SIGNAL_NUMBERS[this.signal];
  }
}

let controller: AbortController | undefined;
let holders = 0;

function onSignal(signal: InterruptSignalName): void {
  if (controller === undefined) return;
  if (controller.signal.aborted) {
    // A second signal: the run did not stop soon enough for the user. Temp files it leaves
    // (.NAME.tmp-PID-…) are removed by the next run writing NAME.
    process.exit(128 + SIGNAL_NUMBERS[signal]);
  }
  controller.abort(new InterruptedError(signal));
}

const onInterrupt = (): void => onSignal('SIGINT');
const onTerminate = (): void => onSignal('SIGTERM');

/**
 * An AbortSignal that SIGINT and SIGTERM fire alike, so a run stops between steps, exits 130 or
 * 143 with one line and commits no output. One signal is shared by everything in the process that
 * holds it; the handlers are installed while anything does (bin/vit-opt.js holds it from the
 * start, before the modules load) and removed when the last holder disposes.
 */
export function interruptSignal(): { signal: AbortSignal; dispose(): void } {
  if (holders === 0 || controller === undefined) {
    controller = new AbortController();
    process.on('SIGINT', onInterrupt);
    process.on('SIGTERM', onTerminate);
  }
  holders += 1;
  const { signal } = controller;
  let disposed = false;
  return {
    signal,
    dispose(): void {
      if (disposed) return;
      disposed = true;
      holders -= 1;
      if (holders === 0) {
        process.off('SIGINT', onInterrupt);
        process.off('SIGTERM', onTerminate);
        controller = undefined;
      }
    },
  };
}

/** Throws the signal's InterruptedError if a signal came: called between the steps of a run. */
export function throwIfInterrupted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new InterruptedError();
}
