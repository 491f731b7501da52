import { statSync } from 'node:fs';
import {
  formatBytes,
  loadModel,
  simplify,
  type ConstantEvaluator,
  type Model,
  type SimplifyReport,
} from '@vit-opt/graph';
import type { CliCommand } from '../command.js';
import { interruptSignal, throwIfInterrupted } from '../interrupt.js';
import type { CliIo } from '../io.js';
import { writeJson } from '../output.js';
import { checkOutputs, commitOutputs, companionInputs, stageAll } from '../outputs.js';
import { companionOutputs, isSameFile, stageCompanionFiles } from '../paths.js';
import { runtimeCheckOption, stageLoadableModel } from '../runtime-check.js';

interface SimplifyOptions {
  output: string;
  fold: boolean;
  runtimeCheck: boolean;
  json: boolean;
  force: boolean;
}

/** What `vit-opt simplify --json` prints. */
interface SimplifyResult extends SimplifyReport {
  input: string;
  output: string;
  /** The model's config.json / preprocessor_config.json, copied beside the output. */
  copied: string[];
  constantFolding: boolean;
  inputSizeBytes: number;
  outputSizeBytes: number;
}

export const simplifyCommand: CliCommand = {
  name: 'simplify',
  define(command, io) {
    command
      .summary('clean up a PyTorch export before quantization')
      .description(
        'Clean up a PyTorch export before quantization: Constant nodes to initializers, Identity/Dropout ' +
          'removal, folding of static shape arithmetic and of constant subgraphs, dead-code removal, sharing ' +
          'of identical initializers. Repeats until nothing changes, validates after every pass, and writes ' +
          'the result atomically.',
      )
      .argument('<model>', 'the .onnx file to simplify')
      .requiredOption('-o, --output <file>', 'where to write the simplified model')
      .option(
        '--no-fold',
        'skip general constant folding (it evaluates constant subgraphs with onnxruntime)',
      )
      .addOption(runtimeCheckOption())
      .option('--json', 'print the report as JSON', false)
      .option('-f, --force', 'allow --output to be the input model, which is then replaced', false)
      .action(async (modelPath: string, options: SimplifyOptions) => {
        const replacing = options.force && isSameFile(modelPath, options.output);
        if (!options.force && isSameFile(modelPath, options.output)) {
          command.error(
            `error: --output ${options.output} is the input model; pass --force to replace it`,
          );
        }
        checkOutputs(command, {
          inputs: [
            ...(replacing ? [] : [{ what: 'the model', path: modelPath }]),
            ...companionInputs(modelPath, 'the model'),
          ],
          outputs: [
            { what: '--output', path: options.output },
            ...companionOutputs(modelPath, options.output),
          ],
        });
        const interrupt = interruptSignal();
        try {
          const model = loadModel(modelPath);
          for (const path of externalDataFiles(model)) {
            if (isSameFile(path, options.output)) {
              command.error(
                `error: --output ${options.output} is the model's external data file, which this run reads; write elsewhere`,
              );
            }
          }
          throwIfInterrupted(interrupt.signal);
          const evaluator = options.fold ? await onnxRuntimeEvaluator() : undefined;
          const report = await simplify(model, { evaluator, signal: interrupt.signal });
          throwIfInterrupted(interrupt.signal);
          const inputSizeBytes = statSync(modelPath).size;
          const stagedModel = await stageLoadableModel(model, options.output, modelPath, {
            enabled: options.runtimeCheck,
            what: 'the simplified model',
            optOut: '--no-runtime-check simplifies it anyway',
          });
          let copied: string[] = [];
          const staged = stageAll([
            () => stagedModel,
            () => {
              const companions = stageCompanionFiles(modelPath, options.output);
              copied = companions.names;
              return companions.staged;
            },
          ]);
          commitOutputs(staged, interrupt.signal);
          const result: SimplifyResult = {
            input: modelPath,
            output: options.output,
            copied,
            constantFolding: options.fold,
            inputSizeBytes,
            outputSizeBytes: statSync(options.output).size,
            ...report,
          };
          if (options.json) writeJson(io, result);
          else printResult(io, result);
        } finally {
          interrupt.dispose();
        }
      });
  },
};

/** The side files the model keeps tensors in. */
function externalDataFiles(model: Model): string[] {
  const paths = new Set<string>();
  for (const graph of model.graph.allGraphs()) {
    for (const value of graph.initializers) {
      const location = value.initializer?.externalLocation;
      if (location !== undefined) paths.add(location.path);
    }
  }
  return [...paths];
}

/** onnxruntime-node loads only when folding, so `inspect` and `simplify --no-fold` stay light. */
async function onnxRuntimeEvaluator(): Promise<ConstantEvaluator> {
  const { createOnnxRuntimeEvaluator } = await import('@vit-opt/eval');
  return createOnnxRuntimeEvaluator();
}

function printResult(io: CliIo, result: SimplifyResult): void {
  const rounds = Math.max(0, ...result.steps.map((s) => s.iteration));
  const totalMs = result.steps.reduce((sum, s) => sum + s.durationMs, 0);
  const lines = [
    `simplified ${result.input} → ${result.output}`,
    `  nodes         ${change(result.nodesBefore, result.nodesAfter)}`,
    `  initializers  ${change(result.initializersBefore, result.initializersAfter)}`,
    `  file size     ${formatBytes(result.inputSizeBytes)} → ${formatBytes(result.outputSizeBytes)}`,
    `passes: ${rounds} ${rounds === 1 ? 'round' : 'rounds'} in ${(totalMs / 1000).toFixed(2)} s` +
      (result.constantFolding ? '' : ', constant folding off (--no-fold)'),
  ];
  const changed = result.steps.filter((s) => s.modified);
  const width = Math.max(0, ...changed.map((s) => s.pass.length));
  for (const step of changed) {
    lines.push(`  round ${step.iteration}  ${step.pass.padEnd(width)}  ${step.notes.join('; ')}`);
  }
  if (changed.length === 0) lines.push('  nothing to change: the model was already simple');
  if (result.copied.length > 0) lines.push(`  copied ${result.copied.join(', ')} beside it`);
  io.stdout.write(`${lines.join('\n')}\n`);
}

/** "1,339 → 954 (−385)" */
function change(before: number, after: number): string {
  const count = (n: number): string => n.toLocaleString('en-US');
  const delta = after - before;
  const signed = delta === 0 ? 'unchanged' : delta > 0 ? `+${count(delta)}` : `−${count(-delta)}`;
  return `${count(before)} → ${count(after)} (${signed})`;
}
