import { statSync } from 'node:fs';
import {
  formatBytes,
  loadModel,
  saveModel,
  simplify,
  type ConstantEvaluator,
  type SimplifyReport,
} from '@vit-opt/graph';
import type { CliCommand } from '../command.js';
import type { CliIo } from '../io.js';
import { writeJson } from '../output.js';
import { copyCompanionFiles, isSameFile } from '../paths.js';

interface SimplifyOptions {
  output: string;
  fold: boolean;
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
      .option('--json', 'print the report as JSON', false)
      .option('-f, --force', 'allow --output to be the input model, which is then replaced', false)
      .action(async (modelPath: string, options: SimplifyOptions) => {
        if (!options.force && isSameFile(modelPath, options.output)) {
          command.error(
            `error: --output ${options.output} is the input model; pass --force to replace it`,
          );
        }
        const model = loadModel(modelPath);
        const evaluator = options.fold ? await onnxRuntimeEvaluator() : undefined;
        const report = await simplify(model, { evaluator });
        saveModel(model, options.output);
        const copied = copyCompanionFiles(modelPath, options.output);
        const result: SimplifyResult = {
          input: modelPath,
          output: options.output,
          copied,
          constantFolding: options.fold,
          inputSizeBytes: statSync(modelPath).size,
          outputSizeBytes: statSync(options.output).size,
          ...report,
        };
        if (options.json) writeJson(io, result);
        else printResult(io, result);
      });
  },
};

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
