import { mergeResults, readResults, writeResults, type EvalResults } from '@vit-opt/eval';
import { VitOptError } from '@vit-opt/graph';
import type { CliCommand } from '../command.js';
import { writeJson } from '../output.js';

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
      .requiredOption('-o, --output <file>', 'merged results JSON, written atomically')
      .option('--json', 'print the merged results JSON', false)
      .action(async (paths: string[], options: MergeOptions) => {
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
        writeResults(options.output, merged);
        if (options.json) writeJson(io, merged);
        else {
          io.stdout.write(
            `merged ${paths.length} shards: top-1 ${(100 * merged.metrics.top1).toFixed(2)}% on ${merged.metrics.item_count} images → ${options.output}\n`,
          );
        }
      });
  },
};
