import { statSync } from 'node:fs';
import { evaluate, resultsText, stageResults } from '@vit-opt/eval';
import { DEFAULT_MAX_IMAGE_PIXELS } from '@vit-opt/eval/data';
import type { CliCommand } from '../command.js';
import { interruptSignal, throwIfInterrupted } from '../interrupt.js';
import { STDOUT, checkOutputs, commitOutputs, companionInputs, type RunPaths } from '../outputs.js';
import { progressReporter } from '../progress.js';
import { writeEnvironmentWarnings, writeJson } from '../output.js';
import {
  blameProviderFlag,
  checkProviderName,
  nonNegativeInteger,
  positiveInteger,
  providerOption,
  shardPosition,
} from './options.js';
import {
  STAND_IN_HELP,
  checkStandInPreprocessing,
  preprocessOptions,
  preprocessOverrides,
  type PreprocessFlags,
} from './preprocess-options.js';

interface EvalOptions extends PreprocessFlags {
  data: string;
  labels?: string;
  baseline?: string;
  batch?: number;
  threads?: number;
  provider: string;
  limit?: number;
  sample?: number;
  seed: number;
  shard?: { index: number; count: number };
  strict: boolean;
  maxImagePixels?: number;
  output: string;
  json: boolean;
}

export const evalCommand: CliCommand = {
  name: 'eval',
  define(command, io) {
    command
      .summary('measure the accuracy of an image classifier on a validation set')
      .description(
        'Top-1, top-5, per-class accuracy, confusion matrix and macro F1 on an ImageFolder or a CSV/JSONL ' +
          'manifest, preprocessing as the model’s preprocessor_config.json says (PIL-exact resizing), each ' +
          `preprocessing flag replacing one step. ${STAND_IN_HELP} With ` +
          '--baseline, the baseline runs on the same images for agreement, mean KL, top-1 delta with a 95% CI ' +
          'and McNemar’s p; it is preprocessed as the preprocessor_config.json beside it says (so a model at ' +
          'another input size compares with its original), else as the model is, and the preprocessing flags ' +
          'apply to the model only. --shard i/n evaluates one slice; `vit-opt merge` combines the shards into exactly the ' +
          'metrics of a single run (use the same --batch for every shard).',
      )
      .argument('<model>', 'the .onnx file (config.json and preprocessor_config.json beside it)')
      .requiredOption(
        '--data <path>',
        'ImageFolder directory, or a CSV/JSONL manifest of path,label',
      )
      .requiredOption('-o, --output <file>', 'results JSON, written atomically; - for stdout')
      .option('--labels <file>', 'label names replacing the model’s id2label')
      .option(
        '--baseline <model>',
        'compare against this model on the same images, preprocessed as its own preprocessor_config.json says',
      )
      .option('--batch <n>', 'batch size (default 32)', positiveInteger)
      .option(
        '--threads <n>',
        'onnxruntime intra-op threads (default: onnxruntime’s)',
        positiveInteger,
      )
      .addOption(providerOption())
      .option('--limit <n>', 'evaluate the first N images', positiveInteger)
      .option('--sample <n>', 'evaluate N images drawn reproducibly (see --seed)', positiveInteger)
      .option('--seed <s>', 'seed for --sample', nonNegativeInteger, 0)
      .option('--shard <i/n>', 'evaluate slice i of n, counting from 1 (1/4 … 4/4)', shardPosition)
      .option('--strict', 'fail on the first unreadable image instead of listing it', false)
      .option(
        '--max-image-pixels <n>',
        `refuse (as unreadable) an image of more pixels, before decoding it: a decompression bomb (default ${DEFAULT_MAX_IMAGE_PIXELS}, where Pillow refuses)`,
        positiveInteger,
      )
      .option('--json', 'print the results JSON instead of a summary', false)
      .action(async (modelPath: string, options: EvalOptions) => {
        checkOutputs(command, evalPaths(modelPath, options));
        await checkProviderName(command, options.provider);
        const preprocess = preprocessOverrides(command, options);
        await checkStandInPreprocessing(modelPath, preprocess);
        const interrupt = interruptSignal();
        const report = progressReporter(io, 'eval', 'images');
        try {
          const results = await evaluate({
            modelPath,
            dataPath: options.data,
            strict: options.strict,
            preprocess,
            executionProvider: options.provider,
            ...(options.labels === undefined ? {} : { labelsFile: options.labels }),
            ...(options.baseline === undefined ? {} : { baselinePath: options.baseline }),
            ...(options.batch === undefined ? {} : { batchSize: options.batch }),
            ...(options.threads === undefined ? {} : { intraOpThreads: options.threads }),
            ...(options.limit === undefined ? {} : { limit: options.limit }),
            ...(options.sample === undefined
              ? {}
              : { sample: { count: options.sample, seed: options.seed } }),
            ...(options.shard === undefined ? {} : { shard: options.shard }),
            ...(options.maxImagePixels === undefined
              ? {}
              : { maxImagePixels: options.maxImagePixels }),
            onProgress: (p) => report(p.done, p.total),
            signal: interrupt.signal,
          }).catch((error: unknown) => {
            throw blameProviderFlag(error);
          });
          // Nothing is written once a signal came, even one after the last batch.
          throwIfInterrupted(interrupt.signal);
          const toStdout = options.output === STDOUT;
          if (toStdout) io.stdout.write(resultsText(results, 'stdout'));
          else commitOutputs([stageResults(options.output, results)], interrupt.signal);
          writeEnvironmentWarnings(io, results.environment);
          if (options.json && !toStdout) writeJson(io, results);
          if (options.json || toStdout) return;
          const m = results.metrics;
          const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
          io.stdout.write(
            `${modelPath}: top-1 ${pct(m.top1)}, top-5 ${pct(m.top5)}, macro F1 ${m.macro_f1.toFixed(4)} on ${m.item_count} images` +
              ` (${results.failures.length} unreadable), ${results.timings.images_per_second.toFixed(1)} images/s\n`,
          );
          if ('agreement' in m) {
            io.stdout.write(
              `vs baseline ${options.baseline}: top-1 ${pct(m.baseline_top1)}, delta ${(100 * m.top1_delta).toFixed(2)} points ` +
                `(95% CI ${(100 * m.top1_delta_ci95[0]).toFixed(2)} … ${(100 * m.top1_delta_ci95[1]).toFixed(2)}, McNemar p ${m.mcnemar_p.toPrecision(3)}), ` +
                `agreement ${pct(m.agreement)}, mean KL ${m.mean_kl.toExponential(3)}\n`,
            );
          }
          io.stdout.write(`results: ${options.output}\n`);
        } finally {
          interrupt.dispose();
        }
      });
    // Added last, so that the help lists them last, under their own heading.
    const heading =
      'Preprocessing of the model only (each flag replaces one step of its preprocessor_config.json):';
    for (const option of preprocessOptions(heading)) command.addOption(option);
  },
};

/** What eval reads (models, their configs, labels, the manifest or image folder) and writes. */
function evalPaths(modelPath: string, options: EvalOptions): RunPaths {
  const dataIsFolder = statSync(options.data, { throwIfNoEntry: false })?.isDirectory() ?? false;
  return {
    inputs: [
      { what: 'the model', path: modelPath },
      ...companionInputs(modelPath, 'the model'),
      ...(options.baseline === undefined
        ? []
        : [
            { what: '--baseline', path: options.baseline },
            ...companionInputs(options.baseline, '--baseline'),
          ]),
      ...(options.labels === undefined ? [] : [{ what: '--labels', path: options.labels }]),
      ...(dataIsFolder ? [] : [{ what: '--data', path: options.data }]),
    ],
    inputFolders: dataIsFolder ? [{ what: '--data', path: options.data }] : [],
    outputs: [{ what: '-o', path: options.output }],
    stdout: true,
  };
}
