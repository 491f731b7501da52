import {
  mergeResults,
  readResults,
  resultsText,
  stageResults,
  type EvalResults,
} from '@vit-opt/eval';
import { VitOptError } from '@vit-opt/graph';
import type { CliCommand } from '../command.js';
import { interruptSignal, throwIfInterrupted } from '../interrupt.js';
import type { CliIo } from '../io.js';
import { writeJson } from '../output.js';
import { STDOUT, checkOutputs, commitOutputs } from '../outputs.js';

interface MergeOptions {
  output: string;
  json: boolean;
}

export const mergeCommand: CliCommand = {
  name: 'merge',
  define(command, io) {
    command
      .summary('combine eval shards into the results of a single run')
      .description(
        'Combine the results of `vit-opt eval --shard i/n` runs into exactly the metrics one unsharded run ' +
          'gives. Checks that the shards belong together (same model, dataset, preprocessing, batch size) and ' +
          'that none is missing or repeated.',
      )
      .argument('<shards...>', 'the shards’ results JSON files')
      .requiredOption(
        '-o, --output <file>',
        'merged results JSON, written atomically; - for stdout',
      )
      .option('--json', 'print the merged results JSON', false)
      .action(async (paths: string[], options: MergeOptions) => {
        checkOutputs(command, {
          inputs: paths.map((path) => ({ what: 'a shard', path })),
          outputs: [{ what: '-o', path: options.output }],
          stdout: true,
        });
        const interrupt = interruptSignal();
        try {
          await mergeShards(io, paths, options, interrupt.signal);
        } finally {
          interrupt.dispose();
        }
      });
  },
};

async function mergeShards(
  io: CliIo,
  paths: string[],
  options: MergeOptions,
  signal: AbortSignal,
): Promise<void> {
  const shards = [];
  for (const path of paths) {
    const results = await readResults(path);
    if (results.kind !== 'eval') {
      throw new VitOptError('INVALID_ARGUMENT', 'is a bench result, not an eval shard', {
        subject: path,
      });
    }
    shards.push({ source: path, results: results as EvalResults });
  }
  const merged = mergeResults(shards);
  throwIfInterrupted(signal);
  if (options.output === STDOUT) {
    io.stdout.write(resultsText(merged, 'stdout'));
    return;
  }
  commitOutputs([stageResults(options.output, merged)], signal);
  if (options.json) writeJson(io, merged);
  else {
    io.stdout.write(
      `merged ${paths.length} shards: top-1 ${(100 * merged.metrics.top1).toFixed(2)}% on ${merged.metrics.item_count} images → ${options.output}\n`,
    );
  }
}
