import { VitOptError, isVitOptError } from '@vit-opt/graph';
import { loadReportInputs, renderReport } from '@vit-opt/report';
import type { CliCommand } from '../command.js';
import { interruptSignal } from '../progress.js';
import { positiveInteger } from './options.js';

interface ReportOptions {
  output: string;
  baseline?: string;
  title?: string;
  batch?: number;
  threads?: number;
}

export const reportCommand: CliCommand = {
  name: 'report',
  define(command, io) {
    command
      .summary('compare variants of a model: report.html, summary.md and PNG charts')
      .description(
        'Compare variants of one model on one dataset from the results of `vit-opt eval` and `vit-opt bench`: ' +
          'writes DIR/report.html (self-contained: opens offline), DIR/summary.md (a Markdown table for a pull ' +
          'request or a GitHub Actions job summary) and DIR/charts/*.png. Results are grouped by model file; ' +
          'results of another model, or evals on another dataset or other images of it, are refused. The ' +
          'baseline is --baseline, else the model the evals compared against (eval --baseline), else the model ' +
          'without a recipe. DIR is written whole or not at all, and replaced only if it holds an earlier report.',
      )
      .argument('<results...>', 'eval and bench results JSON files')
      .requiredOption('-o, --output <dir>', 'the report folder')
      .option(
        '--baseline <variant>',
        'the variant the others are compared with: name, model path or SHA-256 prefix',
      )
      .option('--title <text>', 'heading of the report (default: "<baseline> on <dataset>")')
      .option(
        '--batch <n>',
        'bench batch size the table shows (default: the smallest all have)',
        positiveInteger,
      )
      .option(
        '--threads <n>',
        'bench thread count the table shows (default: the most all have)',
        positiveInteger,
      )
      .action(async (paths: string[], options: ReportOptions) => {
        const interrupt = interruptSignal();
        try {
          const inputs = await loadReportInputs(paths);
          const report = await renderReport(inputs, options.output, {
            ...(options.baseline === undefined ? {} : { baseline: options.baseline }),
            ...(options.title === undefined ? {} : { title: options.title }),
            ...(options.batch === undefined ? {} : { benchBatchSize: options.batch }),
            ...(options.threads === undefined ? {} : { benchThreads: options.threads }),
            signal: interrupt.signal,
          }).catch((error: unknown) => {
            throw blameBaselineFlag(error);
          });
          const { data } = report;
          io.stdout.write(
            `report of ${data.variants.length} variants against ${data.baseline.name} → ${options.output}\n`,
          );
          for (const file of report.files) io.stdout.write(`  ${file}\n`);
          for (const note of data.notes) io.stderr.write(`note: ${note}\n`);
        } finally {
          interrupt.dispose();
        }
      });
  },
};

/** The library names its option baseline; the user typed --baseline. */
function blameBaselineFlag(error: unknown): unknown {
  if (!isVitOptError(error) || error.subject !== 'baseline') return error;
  return new VitOptError(error.code, error.message, { subject: '--baseline', cause: error });
}
