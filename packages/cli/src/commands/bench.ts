import { resultsText, runBenchmark, stageResults } from '@vit-opt/eval';
import type { CliCommand } from '../command.js';
import { interruptSignal, throwIfInterrupted } from '../interrupt.js';
import { STDOUT, checkOutputs, commitOutputs, companionInputs } from '../outputs.js';
import { progressReporter } from '../progress.js';
import { writeEnvironmentWarnings, writeJson } from '../output.js';
import {
  blameProviderFlag,
  checkProviderName,
  integerList,
  positiveInteger,
  providerOption,
} from './options.js';

interface BenchOptions {
  batch?: number[];
  threads?: number[];
  runs?: number;
  seconds?: number;
  provider: string;
  output?: string;
  json: boolean;
}

export const benchCommand: CliCommand = {
  name: 'bench',
  define(command, io) {
    command
      .summary('measure latency and throughput of a model with onnxruntime')
      .description(
        'Latency after warm-up (p50/p90/p99/mean over N runs or T seconds) and throughput per batch size and ' +
          'thread count (default sweep 1 … 2× the cores), session load time, peak RSS, file size, parameters.',
      )
      .argument('<model>', 'the .onnx file')
      .option('--batch <sizes>', 'batch sizes, comma-separated (e.g. 1,8)', integerList)
      .option(
        '--threads <counts>',
        'intra-op thread counts, comma-separated (e.g. 1,2)',
        integerList,
      )
      .option('--runs <n>', 'timed runs per configuration', positiveInteger)
      .option('--seconds <t>', 'time per configuration instead of a run count', positiveInteger)
      .addOption(providerOption())
      .option('-o, --output <file>', 'write the results JSON here (atomically); - for stdout')
      .option('--json', 'print the results JSON', false)
      .action(async (modelPath: string, options: BenchOptions) => {
        if (options.runs !== undefined && options.seconds !== undefined) {
          command.error('error: give --runs or --seconds, not both');
        }
        checkOutputs(command, {
          inputs: [
            { what: 'the model', path: modelPath },
            ...companionInputs(modelPath, 'the model'),
          ],
          outputs: options.output === undefined ? [] : [{ what: '-o', path: options.output }],
          stdout: true,
        });
        await checkProviderName(command, options.provider);
        const interrupt = interruptSignal();
        const report = progressReporter(io, 'bench', 'percent');
        try {
          const results = await runBenchmark(modelPath, {
            ...(options.batch === undefined ? {} : { batchSizes: options.batch }),
            ...(options.threads === undefined ? {} : { threads: options.threads }),
            ...(options.runs !== undefined ? { stop: { runs: options.runs } } : {}),
            ...(options.seconds !== undefined ? { stop: { seconds: options.seconds } } : {}),
            onProgress: (p) => report(Math.round(p.fraction * 100), 100),
            executionProvider: options.provider,
            signal: interrupt.signal,
          }).catch((error: unknown) => {
            throw blameProviderFlag(error);
          });
          // Nothing is written once a signal came, even one after the last run.
          throwIfInterrupted(interrupt.signal);
          const toStdout = options.output === STDOUT;
          if (toStdout) io.stdout.write(resultsText(results, 'stdout'));
          else if (options.output !== undefined) {
            commitOutputs([stageResults(options.output, results)], interrupt.signal);
          }
          writeEnvironmentWarnings(io, results.environment);
          if (options.json && !toStdout) writeJson(io, results);
          else if (!toStdout) {
            io.stdout.write(`${modelPath}: ${results.model.size_bytes} bytes\n`);
            for (const m of results.bench.measurements) {
              const l = m.latency;
              io.stdout.write(
                `batch ${m.batch_size}, ${m.intra_op_threads} threads: p50 ${l.p50_ms.toFixed(2)} ms, p90 ${l.p90_ms.toFixed(2)} ms, ` +
                  `p99 ${l.p99_ms.toFixed(2)} ms, mean ${l.mean_ms.toFixed(2)} ms, ${m.throughput_images_per_second.toFixed(1)} images/s ` +
                  `(${m.runs} runs, session load ${m.session_load_ms.toFixed(0)} ms)\n`,
              );
            }
          }
        } finally {
          interrupt.dispose();
        }
      });
  },
};
