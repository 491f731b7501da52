import { statSync } from 'node:fs';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { isVitOptError, loadModel, stageFile, type StagedFile } from '@vit-opt/graph';
import { createTensorProbe } from '@vit-opt/eval';
import { calibrationImages } from '@vit-opt/eval/data';
import {
  HEAD_RECOVERIES,
  HEAD_SCORINGS,
  parseHeadPlan,
  pruneModel,
  pruneNeedsFeeds,
  type HeadImportance,
  type HeadPlan,
  type HeadRecovery,
  type HeadScoring,
  type PruneBudget,
  type PruneHeadsResult,
  type PruneMlpResult,
  type PrunedModel,
} from '@vit-opt/prune';
import { checkOutputs, commitOutputs, companionInputs, stageAll } from '../outputs.js';
import { runtimeCheckOption, stageLoadableModel } from '../runtime-check.js';
import type { CliCommand } from '../command.js';
import { namingInputPath } from '../errors.js';
import type { CliIo } from '../io.js';
import { writeJson } from '../output.js';
import { companionOutputs, isSameFile, stageCompanionFiles } from '../paths.js';
import { interruptSignal, stageProgress, throwIfInterrupted } from '../progress.js';
import { positiveInteger } from './options.js';
import {
  missingPreprocessing,
  preprocessOptions,
  preprocessOverrides,
  type PreprocessFlags,
} from './preprocess-options.js';

interface PruneFlags extends PreprocessFlags {
  output: string;
  runtimeCheck: boolean;
  heads?: PruneBudget;
  mlp?: PruneBudget;
  plan?: HeadPlan;
  perLayerMax?: number;
  score: HeadScoring;
  iterative?: boolean;
  calib?: string;
  calibLimit: number;
  recover: HeadRecovery;
  report?: string;
  json: boolean;
}

export const pruneCommand: CliCommand = {
  name: 'prune',
  define(command, io) {
    command
      .summary('remove attention heads from a model')
      .description(
        'Remove attention heads structurally: their q/k/v columns and output projection rows go and the ' +
          'head-count constants are rewritten, so the model is smaller and faster, not masked. Give a budget ' +
          '(--heads, the least important heads across layers by --score, one kept in every layer) or an ' +
          'explicit --plan. activation and ablation scoring and --recover bias run the model on the --calib ' +
          'images, preprocessed as the model’s preprocessor_config.json and the flags say. The recipe goes ' +
          'into the model’s metadata; files are written only once all the work succeeded.',
      )
      .argument('<model>', 'the float32 .onnx file')
      .requiredOption('-o, --output <file>', 'where to write the pruned model')
      .option(
        '--heads <fraction|count>',
        'remove this share of all heads (0.25) or this many (36)',
        headBudget,
      )
      .option(
        '--plan <json>',
        'remove exactly these heads, by layer: \'{"0":[1,3],"5":[0]}\' (as Hugging Face prune_heads)',
        headPlan,
      )
      .option(
        '--per-layer-max <n>',
        'with --heads: remove at most N heads from one layer',
        positiveInteger,
      )
      .addOption(
        new Option('--score <method>', 'how --heads ranks the heads')
          .choices([...HEAD_SCORINGS])
          .default('magnitude'),
      )
      .option(
        '--iterative',
        'with --score activation or ablation: choose one head at a time, scoring the others again with it removed',
      )
      .option(
        '--calib <dir>',
        'images, <dir>/<class>/<image>, for activation/ablation scoring and --recover bias',
      )
      .option(
        '--calib-limit <n>',
        'use N images of --calib drawn across the classes',
        positiveInteger,
        64,
      )
      .addOption(
        new Option(
          '--recover <how>',
          'bias: fold the removed heads’ mean contribution on --calib into the output projection’s bias; ' +
            'lstsq: refit the output projection’s kept rows and bias by least squares on --calib',
        )
          .choices([...HEAD_RECOVERIES])
          .default('none'),
      )
      .option(
        '--report <file>',
        'what was removed, the scores, and parameters per layer (JSON if .json, else text)',
      )
      .option(
        '--mlp <fraction|count>',
        'also remove this share (0.2) or number of MLP neurons, by weight magnitude (--score ' +
          'magnitude) or mean contribution on --calib (activation, ablation)',
        headBudget,
      )
      .option('--json', 'print the summary as JSON', false)
      .addOption(runtimeCheckOption());
    for (const option of preprocessOptions('Preprocessing of the --calib images:'))
      command.addOption(option);
    command.action(async (modelPath: string, flags: PruneFlags) => {
      checkOutputs(command, {
        inputs: [
          { what: 'the model', path: modelPath },
          ...companionInputs(modelPath, 'the model'),
        ],
        outputs: [
          { what: '--output', path: flags.output },
          ...companionOutputs(modelPath, flags.output),
          ...(flags.report === undefined ? [] : [{ what: '--report', path: flags.report }]),
        ],
      });
      if (flags.heads !== undefined && flags.plan !== undefined) {
        command.error('error: give either --heads or --plan');
      }
      if (flags.heads === undefined && flags.plan === undefined && flags.mlp === undefined) {
        command.error('error: give --heads or --plan, --mlp, or both');
      }
      const heads = flags.plan === undefined ? flags.heads : { plan: flags.plan };
      const needsImages = pruneNeedsFeeds({ ...flags, heads });
      if (needsImages && flags.calib === undefined) {
        command.error(
          `error: ${flags.recover !== 'none' ? `--recover ${flags.recover}` : `--score ${flags.score}`} needs --calib <dir>`,
        );
      }
      if (flags.iterative === true && (flags.heads === undefined || flags.score === 'magnitude')) {
        command.error('error: --iterative needs --heads with --score activation or ablation');
      }
      if (isSameFile(modelPath, flags.output)) {
        command.error(
          `error: --output ${flags.output} is the input model; write the pruned model elsewhere`,
        );
      }
      const overrides = preprocessOverrides(command, flags);
      const interrupt = interruptSignal();
      // A bar for the long stages: choosing heads one at a time, ablating them one by one.
      const progress = stageProgress(io, 'heads');
      try {
        const model = loadModel(modelPath);
        const images = needsImages
          ? await calibrationImages(model, {
              folder: flags.calib!,
              modelPath,
              preprocessOverrides: overrides,
              limit: flags.calibLimit,
            })
          : undefined;
        const pruned = await pruneModel(model, {
          ...(heads === undefined ? {} : { heads }),
          ...(flags.mlp === undefined ? {} : { mlp: flags.mlp }),
          ...(flags.perLayerMax === undefined ? {} : { perLayerMax: flags.perLayerMax }),
          score: flags.score,
          iterative: flags.iterative === true,
          recover: flags.recover,
          ...(images === undefined ? {} : { feeds: images.feeds }),
          probe: createTensorProbe(),
          inPlace: true,
          onProgress: progress.onProgress,
          signal: interrupt.signal,
        });
        progress.close();
        // Written only now, when all the work succeeded, and all together: a failure or Ctrl-C
        // leaves no file, not even the model when the report cannot be written.
        throwIfInterrupted(interrupt.signal);
        const stagedModel = await stageLoadableModel(model, flags.output, modelPath, {
          enabled: flags.runtimeCheck,
          what: 'the pruned model',
          optOut: '--no-runtime-check prunes it anyway',
        });
        const outputSizeBytes = statSync(stagedModel.temporaryPath).size;
        const summary = summarize(modelPath, flags, outputSizeBytes, pruned);
        const { report } = flags;
        const staged = stageAll([
          () => stagedModel,
          () => stageCompanionFiles(modelPath, flags.output).staged,
          (): StagedFile[] =>
            report === undefined
              ? []
              : [stageFile(report, reportText(report, summary, pruned.scores))],
        ]);
        commitOutputs(staged, interrupt.signal);
        if (flags.json) writeJson(io, summary);
        else printSummary(io, summary);
      } catch (error) {
        progress.close();
        if (interrupt.signal.aborted) throw interrupt.signal.reason;
        throw userError(error, command, modelPath, flags);
      } finally {
        interrupt.dispose();
      }
    });
  },
};

interface PruneSummary {
  input: string;
  output: string;
  inputSizeBytes: number;
  outputSizeBytes: number;
  headsBefore: number;
  headsAfter: number;
  scoring: HeadScoring | null;
  recover: HeadRecovery;
  plan: HeadPlan;
  layers: PruneHeadsResult['layers'];
  mlp: { neuronsBefore: number; neuronsAfter: number; layers: PruneMlpResult['layers'] } | null;
}

function summarize(
  modelPath: string,
  flags: PruneFlags,
  outputSizeBytes: number,
  { heads: result, plan, mlp }: PrunedModel,
): PruneSummary {
  return {
    input: modelPath,
    output: flags.output,
    inputSizeBytes: statSync(modelPath).size,
    outputSizeBytes,
    headsBefore: result.headsBefore,
    headsAfter: result.headsAfter,
    scoring: flags.heads === undefined ? null : flags.score,
    recover: result.recover,
    plan,
    layers: result.layers,
    mlp:
      mlp === undefined
        ? null
        : { neuronsBefore: mlp.neuronsBefore, neuronsAfter: mlp.neuronsAfter, layers: mlp.layers },
  };
}

function printSummary(io: CliIo, summary: PruneSummary): void {
  const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(2)} MB`;
  io.stdout.write(
    `pruned ${summary.headsBefore - summary.headsAfter} of ${summary.headsBefore} heads` +
      `${summary.scoring === null ? ' (given plan)' : ` (by ${summary.scoring})`}` +
      `${summary.recover === 'none' ? '' : `, ${summary.recover} recovery`}: ${summary.output}\n`,
  );
  if (summary.mlp !== null) {
    io.stdout.write(
      `pruned ${summary.mlp.neuronsBefore - summary.mlp.neuronsAfter} of ${summary.mlp.neuronsBefore} MLP neurons\n`,
    );
  }
  io.stdout.write(`size ${mb(summary.inputSizeBytes)} → ${mb(summary.outputSizeBytes)}\n`);
  for (const layer of summary.layers) {
    if (layer.removed.length === 0) continue;
    io.stdout.write(
      `  layer ${layer.layer}: heads ${layer.headsBefore} → ${layer.headsAfter} (removed ${layer.removed.join(', ')}), ` +
        `attention parameters ${layer.parametersBefore} → ${layer.parametersAfter}\n`,
    );
  }
}

function reportText(
  path: string,
  summary: PruneSummary,
  scores: HeadImportance[] | undefined,
): string {
  if (path.endsWith('.json'))
    return `${JSON.stringify({ ...summary, scores: scores ?? null }, null, 2)}\n`;
  const macs = (n: number | null): string => (n === null ? '?' : `${(n / 1e6).toFixed(2)}M`);
  const lines = [
    `heads ${summary.headsBefore} → ${summary.headsAfter}; scoring ${summary.scoring ?? 'none (given plan)'}; recover ${summary.recover}`,
    'layer  heads  removed          parameters          multiply-adds per image',
  ];
  for (const layer of summary.layers) {
    lines.push(
      `${String(layer.layer).padStart(5)}  ${`${layer.headsBefore}→${layer.headsAfter}`.padEnd(5)}  ` +
        `${(layer.removed.join(',') || '-').padEnd(15)}  ` +
        `${`${layer.parametersBefore} → ${layer.parametersAfter}`.padEnd(18)}  ` +
        `${macs(layer.multiplyAddsBefore)} → ${macs(layer.multiplyAddsAfter)}`,
    );
  }
  if (summary.mlp !== null) {
    lines.push(
      '',
      `MLP neurons ${summary.mlp.neuronsBefore} → ${summary.mlp.neuronsAfter}`,
      'layer  neurons    parameters          multiply-adds per image',
    );
    for (const layer of summary.mlp.layers) {
      lines.push(
        `${String(layer.layer).padStart(5)}  ${`${layer.neuronsBefore}→${layer.neuronsAfter}`.padEnd(9)}  ` +
          `${`${layer.parametersBefore} → ${layer.parametersAfter}`.padEnd(18)}  ` +
          `${macs(layer.multiplyAddsBefore)} → ${macs(layer.multiplyAddsAfter)}`,
      );
    }
  }
  if (scores !== undefined) {
    lines.push('', 'layer  head  score');
    for (const s of scores)
      lines.push(
        `${String(s.layer).padStart(5)}  ${String(s.head).padStart(4)}  ${s.score.toPrecision(4)}`,
      );
  }
  return `${lines.join('\n')}\n`;
}

/** --heads: a share in (0, 1) or a whole count. */
function headBudget(value: string): PruneBudget {
  // Plain decimals only, as the other numeric flags take them: no sign, exponent, hex or spaces.
  const n = Number(value);
  if (!/^(?:\d+(?:\.\d*)?|\.\d+)$/.test(value) || !Number.isFinite(n)) {
    throw new InvalidArgumentError(`'${value}' is neither a share in [0, 1) nor a count of heads`);
  }
  if (n < 1) return { fraction: n };
  if (!Number.isInteger(n))
    throw new InvalidArgumentError(`'${value}': a count of heads is a whole number`);
  return { count: n };
}

function headPlan(value: string): HeadPlan {
  try {
    return parseHeadPlan(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function userError(
  error: unknown,
  command: Command,
  modelPath: string,
  flags: PruneFlags,
): unknown {
  if (!isVitOptError(error)) return error;
  if (error.subject === 'plan') command.error(`error: option '--plan': ${error.message}`);
  if (error.subject === 'count' || error.subject === 'fraction')
    command.error(`error: option '--heads': ${error.message}`);
  if (error.subject === 'preprocess') return missingPreprocessing(modelPath, error);
  return namingInputPath(error, { model: modelPath, data: flags.calib, images: flags.calib });
}
