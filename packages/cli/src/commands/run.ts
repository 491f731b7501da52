import { statSync } from 'node:fs';
import { CommanderError, type Command } from 'commander';
import { formatBytes } from '@vit-opt/graph';
import {
  isPipelineConfigError,
  loadPipelineConfig,
  runPipeline,
  type PipelineConfig,
  type PipelineSummary,
} from '@vit-opt/pipeline';
import type { CliCommand } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { writeJson } from '../output.js';
import { interruptSignal } from '../progress.js';
import { pipelineProgressView } from './run-progress.js';

interface RunOptions {
  output: string;
  force: boolean;
  json: boolean;
}

export const runCommand: CliCommand = {
  name: 'run',
  define(command, io) {
    command
      .summary('run a pipeline file: build, evaluate and benchmark every variant, then the report')
      .description(
        'Run a pipeline file (YAML): build each variant of the model it names (baseline, simplify, dynamic, ' +
          'static, fp16, int4) into DIR/variants/<name>/, evaluate it against the model on the validation set ' +
          '(agreement, KL, top-1 change with its 95% CI), benchmark it, and render the comparison report into ' +
          'DIR/report/ (report.html, summary.md, charts). A stage whose inputs (model bytes, recipe, data, tool ' +
          'version) hash as in the last run is reused, so a second run with nothing changed only checks. Each ' +
          'variant and the report appear whole or not at all; Ctrl-C leaves the last complete ones. A bad ' +
          'pipeline file is one line naming the file, line and key (exit 2), and nothing is written. The ' +
          'format: the README’s "Pipeline" section.',
      )
      .argument('<pipeline>', 'the pipeline file (YAML)')
      .requiredOption('-o, --output <dir>', 'the output folder: variants/<name>/ and report/')
      .option('--force', 'build and measure every variant again, even unchanged ones', false)
      .option('--json', 'print the run summary as JSON', false)
      .action(async (file: string, options: RunOptions) => {
        checkOutputFolder(command, options.output);
        const config = await loadConfig(io, file);
        const interrupt = interruptSignal();
        const view = pipelineProgressView(io);
        try {
          const summary = await runPipeline(config, {
            outDir: options.output,
            force: options.force,
            onProgress: view.onProgress,
            signal: interrupt.signal,
          });
          view.close();
          for (const note of summary.report.notes) io.stderr.write(`note: ${note}\n`);
          if (options.json) writeJson(io, summary);
          else printSummary(io, summary);
        } catch (error) {
          view.close();
          if (interrupt.signal.aborted) throw interrupt.signal.reason;
          throw error;
        } finally {
          interrupt.dispose();
        }
      });
  },
};

/** A pipeline file that cannot be run is a usage error: one line naming file, line and key, exit 2. */
async function loadConfig(io: CliIo, file: string): Promise<PipelineConfig> {
  try {
    return await loadPipelineConfig(file);
  } catch (error) {
    if (!isPipelineConfigError(error)) throw error;
    io.stderr.write(`error: ${error.toOneLine()}\n`);
    throw new CommanderError(ExitCode.usage, 'vit-opt.pipelineFile', error.message);
  }
}

function printSummary(io: CliIo, summary: PipelineSummary): void {
  const width = Math.max(...summary.variants.map((v) => v.name.length));
  const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;
  const lines = [`${summary.variants.length} variants → ${summary.outDir}`];
  for (const v of summary.variants) {
    const made = v.built || v.evaluated || v.benchmarked ? 'made  ' : 'reused';
    const delta =
      v.top1Delta === null
        ? ''
        : ` (${v.top1Delta < 0 ? '−' : '+'}${Math.abs(100 * v.top1Delta).toFixed(2)} pp)`;
    const latency = v.latencyP50Ms === null ? '' : `, p50 ${v.latencyP50Ms.toFixed(3)} ms`;
    lines.push(
      `  ${v.name.padEnd(width)}  ${made}  top-1 ${pct(v.top1)}${delta}, ${formatBytes(v.sizeBytes)}${latency}`,
    );
  }
  const r = summary.report;
  lines.push(`report ${r.rendered ? '' : '(unchanged) '}${r.html}`, `       ${r.summary}`);
  lines.push(`done in ${(summary.durationMs / 1000).toFixed(1)} s`);
  io.stdout.write(`${lines.join('\n')}\n`);
}

/**
 * The output folder must be a folder or not exist yet: an empty path, a file, a FIFO or a device
 * is a usage error before any work (the pipeline creates variants/ and report/ inside it).
 */
function checkOutputFolder(command: Command, output: string): void {
  if (output.trim() === '') command.error("error: option '-o, --output <dir>' must name a folder");
  let stats;
  try {
    stats = statSync(output);
  } catch {
    return;
  }
  if (!stats.isDirectory()) command.error(`error: option '-o, --output <dir>': ${output} exists and is not a folder`);
}
