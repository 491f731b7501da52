import { readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { VitOptError, isVitOptError, loadModel, stageFile, type StagedFile } from '@vit-opt/graph';
import { sha256File } from '@vit-opt/eval';
import {
  resizeInput,
  resizedModelConfig,
  resizedPreprocessorConfig,
  type ConfigJson,
  type ResizeInputResult,
} from '@vit-opt/prune';
import type { CliCommand } from '../command.js';
import type { CliIo } from '../io.js';
import { interruptSignal, throwIfInterrupted } from '../interrupt.js';
import { writeJson } from '../output.js';
import {
  checkOutputs,
  commitOutputs,
  companionInputs,
  stageAll,
  type RunPath,
} from '../outputs.js';
import { isSameFile } from '../paths.js';
import { runtimeCheckOption, stageLoadableModel } from '../runtime-check.js';
import { positiveInteger } from './options.js';

interface ResizeFlags {
  output: string;
  runtimeCheck: boolean;
  size: number;
  json: boolean;
}

/** What `vit-opt resize --json` prints. */
interface ResizeSummary extends Omit<ResizeInputResult, 'rewritten'> {
  input: string;
  output: string;
  /** Nodes whose shape constants were rewritten. */
  rewrittenNodes: readonly string[];
  /** The config files written beside the output with the new size. */
  configs: string[];
  /** Multiply-adds before ÷ after: the speed-up if latency followed them. */
  idealSpeedup: number | null;
}

/** The config files that say the input size, and how each is rewritten for the new one. */
const SIZED_CONFIGS: ReadonlyArray<{
  name: string;
  resize: (config: ConfigJson, size: number) => ConfigJson;
}> = [
  { name: 'preprocessor_config.json', resize: resizedPreprocessorConfig },
  { name: 'config.json', resize: resizedModelConfig },
];

export const resizeCommand: CliCommand = {
  name: 'resize',
  define(command, io) {
    command
      .summary('change the input resolution of a ViT')
      .description(
        'Make a ViT take another input size: its learned position embedding is interpolated over the patch ' +
          'grid (bicubic, as Hugging Face’s interpolate_pos_encoding does at run time; the class token kept) ' +
          'and the shape constants that hold the token count are rewritten. The model’s ' +
          'preprocessor_config.json and config.json are written beside the output with the new size, so ' +
          '`vit-opt eval` preprocesses for it; the recipe goes into the model’s metadata. Files are written ' +
          'only once all the work succeeded.',
      )
      .argument('<model>', 'the float32 .onnx file')
      .requiredOption(
        '-o, --output <file>',
        'where to write the resized model (in another folder than the model: its config files change)',
      )
      .requiredOption(
        '--size <pixels>',
        'the new height and width, a multiple of the patch size (192 for ViT-B/16)',
        positiveInteger,
      )
      .option('--json', 'print the summary as JSON', false)
      .addOption(runtimeCheckOption())
      .action(async (modelPath: string, flags: ResizeFlags) => {
        if (isSameFile(modelPath, flags.output)) {
          command.error(
            `error: --output ${flags.output} is the input model; write the resized model elsewhere`,
          );
        }
        const configs = sizedConfigs(modelPath, flags.output);
        if (
          configs.length > 0 &&
          isSameFile(dirname(resolve(modelPath)), dirname(resolve(flags.output)))
        ) {
          command.error(
            `error: --output ${flags.output} is in the model's folder, whose ${configs.map((c) => c.name).join(' and ')} ` +
              'would have to change; write the resized model into another folder',
          );
        }
        checkOutputs(command, {
          inputs: [
            { what: 'the model', path: modelPath },
            ...companionInputs(modelPath, 'the model'),
          ],
          outputs: [
            { what: '--output', path: flags.output },
            ...configs.map(({ name, target }): RunPath => ({
              what: `the resized ${name}`,
              path: target,
            })),
          ],
        });
        const interrupt = interruptSignal();
        try {
          const model = loadModel(modelPath);
          const sourceSha256 = await sha256File(modelPath);
          throwIfInterrupted(interrupt.signal);
          const result = resizeInput(model, { size: flags.size, sourceSha256 });
          // Written only now, when all the work succeeded, and all together.
          throwIfInterrupted(interrupt.signal);
          const stagedModel = await stageLoadableModel(model, flags.output, modelPath, {
            enabled: flags.runtimeCheck,
            what: 'the resized model',
            optOut: '--no-runtime-check resizes it anyway',
          });
          const staged = stageAll([
            () => stagedModel,
            (): StagedFile[] =>
              configs.map(({ source, target, resize }) =>
                stageFile(
                  target,
                  `${JSON.stringify(resize(readConfig(source), flags.size), null, 2)}\n`,
                ),
              ),
          ]);
          commitOutputs(staged, interrupt.signal);
          const { rewritten, ...sizes } = result;
          const summary: ResizeSummary = {
            input: modelPath,
            output: flags.output,
            ...sizes,
            rewrittenNodes: rewritten,
            configs: configs.map((c) => c.name),
            idealSpeedup:
              result.multiplyAddsBefore === null || result.multiplyAddsAfter === null
                ? null
                : result.multiplyAddsBefore / result.multiplyAddsAfter,
          };
          if (flags.json) writeJson(io, summary);
          else printSummary(io, summary);
        } catch (error) {
          if (interrupt.signal.aborted) throw interrupt.signal.reason;
          throw userError(error, command, modelPath);
        } finally {
          interrupt.dispose();
        }
      });
  },
};

/** The model's config files that hold the input size, and where their resized copies go. */
function sizedConfigs(
  modelPath: string,
  outputPath: string,
): Array<{
  name: string;
  source: string;
  target: string;
  resize: (typeof SIZED_CONFIGS)[number]['resize'];
}> {
  const found = companionInputs(modelPath, 'the model');
  return SIZED_CONFIGS.flatMap(({ name, resize }) => {
    const source = found.find((input) => basename(input.path) === name)?.path;
    return source === undefined
      ? []
      : [{ name, source, target: join(dirname(resolve(outputPath)), name), resize }];
  });
}

function readConfig(path: string): ConfigJson {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new VitOptError('CORRUPT', `not valid JSON (${(error as Error).message})`, {
      subject: path,
      cause: error,
    });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new VitOptError('CORRUPT', 'not a JSON object', { subject: path });
  }
  return parsed as ConfigJson;
}

function printSummary(io: CliIo, summary: ResizeSummary): void {
  const side = (n: number): string => `${n}×${n}`;
  const macs = (n: number | null): string =>
    n === null ? '?' : n >= 1e9 ? `${(n / 1e9).toFixed(2)} G` : `${(n / 1e6).toFixed(2)} M`;
  const ideal = summary.idealSpeedup;
  io.stdout.write(
    `resized ${side(summary.sizeBefore)} → ${side(summary.sizeAfter)} (patch ${summary.patchSize}: ` +
      `grid ${side(summary.gridBefore)} → ${side(summary.gridAfter)}, tokens ${summary.tokensBefore} → ${summary.tokensAfter}); ` +
      `multiply-adds per image ${macs(summary.multiplyAddsBefore)} → ${macs(summary.multiplyAddsAfter)}` +
      `${ideal === null ? '' : `, ideal speed-up ${ideal.toFixed(3)}×`}: ${summary.output}\n`,
  );
  if (summary.configs.length > 0)
    io.stdout.write(`  wrote ${summary.configs.join(', ')} with the new size beside it\n`);
}

function userError(error: unknown, command: Command, modelPath: string): unknown {
  if (!isVitOptError(error)) return error;
  if (error.subject === 'size') command.error(`error: option '--size <pixels>': ${error.message}`);
  return error.subject === 'model'
    ? new VitOptError(error.code, error.message, { subject: modelPath, cause: error })
    : error;
}
