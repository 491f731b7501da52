import type { CliIo } from './io.js';

/**
 * Progress with rate and ETA on stderr: one line redrawn in place on a terminal, plain lines at
 * most every few seconds otherwise (CI logs), so a pipeline's log shows the run is alive.
 */
export function progressReporter(
  io: CliIo,
  label: string,
  unit: string,
): (done: number, total: number) => void {
  const started = performance.now();
  const tty = (io.stderr as { isTTY?: boolean }).isTTY === true;
  let lastPrinted = 0;
  return (done, total) => {
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
  };
}

/** An AbortSignal that Ctrl-C fires, so a run stops between batches and writes nothing. */
export function interruptSignal(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onInterrupt = () => controller.abort(new Error('interrupted (Ctrl-C): no results written'));
  process.once('SIGINT', onInterrupt);
  return { signal: controller.signal, dispose: () => process.off('SIGINT', onInterrupt) };
}
