import type { PipelineProgress } from '@vit-opt/pipeline';
import type { CliIo } from '../io.js';
import { progressReporter, type ProgressReporter } from '../progress.js';

/**
 * The pipeline's progress on stderr: a line as each variant's stage starts ("[3/6] int8-static:
 * eval"), the stage's own progress line with rate and ETA, and one line for what was reused.
 */
export function pipelineProgressView(io: CliIo): {
  onProgress(progress: PipelineProgress): void;
  close(): void;
} {
  let reporter: ProgressReporter | undefined;
  let skipped: string[] = [];
  let skippedOf = '';
  let last: { done: number; total: number } | undefined;
  const close = (): void => {
    reporter?.close();
    reporter = undefined;
  };
  const flushSkipped = (): void => {
    if (skipped.length === 0) return;
    const what =
      skipped.length === 3 ? 'unchanged, reused' : `${skipped.join(', ')} unchanged, reused`;
    io.stderr.write(`${skippedOf}: ${what}\n`);
    skipped = [];
  };
  return {
    onProgress(p) {
      const prefix =
        p.variant === null ? `[report]` : `[${p.variantIndex + 1}/${p.variantCount}] ${p.variant}`;
      if (prefix !== skippedOf) flushSkipped();
      switch (p.state) {
        case 'skipped':
          if (p.stage === 'report') {
            io.stderr.write('report: no result changed, the report is kept\n');
            return;
          }
          skippedOf = prefix;
          skipped.push(p.stage);
          if (p.stage === 'bench') flushSkipped();
          return;
        case 'start':
          close();
          io.stderr.write(
            p.stage === 'report'
              ? 'report: rendering report.html, summary.md and the charts\n'
              : `${prefix}: ${p.stage}\n`,
          );
          // Started now, so that rate and ETA count from the stage's start.
          if (p.unit !== '') reporter = progressReporter(io, `${prefix}: ${p.stage}`, p.unit);
          last = undefined;
          return;
        case 'progress':
          // A repeated report (bench's last configuration finishing) would print a repeated line.
          if (last !== undefined && last.done === p.done && last.total === p.total) return;
          last = { done: p.done, total: p.total };
          if (reporter === undefined) {
            // The first report of a stage without a known unit starts its clock.
            reporter = progressReporter(io, `${prefix}: ${p.stage}`, p.unit);
            if (p.done === 0) return;
          }
          reporter(p.done, p.total);
          return;
        case 'done':
          close();
          return;
      }
    },
    close() {
      close();
      flushSkipped();
    },
  };
}
