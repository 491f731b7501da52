import { formatSummary, loadModel, summarizeModel } from '@vit-opt/graph';
import type { CliCommand } from '../command.js';
import { interruptSignal, throwIfInterrupted } from '../interrupt.js';
import { writeJson } from '../output.js';

interface InspectOptions {
  json: boolean;
}

export const inspectCommand: CliCommand = {
  name: 'inspect',
  define(command, io) {
    command
      .summary('summarise a model: ViT structure, ops, parameters, sizes, inputs and outputs')
      .description(
        'Summarise a model: its ViT structure as found in the graph (layers, heads, hidden and MLP sizes, ' +
          'patch embedding, classes), op histogram, parameters, bytes by dtype, inputs/outputs, opsets.',
      )
      .argument('<model>', 'the .onnx file')
      .option('--json', 'print the summary as JSON (the ModelSummary of @vit-opt/graph)', false)
      .action((modelPath: string, options: InspectOptions) => {
        const interrupt = interruptSignal();
        try {
          const summary = summarizeModel(loadModel(modelPath));
          throwIfInterrupted(interrupt.signal);
          if (options.json) writeJson(io, summary);
          else io.stdout.write(formatSummary(summary));
        } finally {
          interrupt.dispose();
        }
      });
  },
};
