import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { commands } from './commands/index.js';
import { DEBUG_VARIABLE } from './errors.js';
import type { CliIo } from './io.js';

/** The `vit-opt` program with every command registered, writing to `io`. */
export function createProgram(io: CliIo): Command {
  const program = new Command('vit-opt')
    .description('Make ONNX vision-transformer models smaller and faster, and prove what it cost.')
    .version(cliVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      // A usage error is one line (then the usage): commander's "(Did you mean --json?)" joins it.
      outputError: (text, write) => write(text.replace(/\n\((Did you mean [^\n]*)\)/g, ' ($1)')),
    })
    // Errors end parsing with an exception rather than process.exit, so run() decides the exit code.
    .exitOverride()
    .addHelpText(
      'after',
      `\nExit codes: 0 done, 1 bad input file or failed work, 2 usage error, 70 internal error, 130 interrupted (Ctrl-C), 143 terminated (SIGTERM).\n` +
        `Set ${DEBUG_VARIABLE}=1 to see stack traces.`,
    );
  // Subcommands inherit the output and exit settings above when created.
  for (const definition of commands) definition.define(program.command(definition.name), io);
  for (const command of [program, ...program.commands])
    command.showHelpAfterError(usageLine(command));
  return program;
}

/** "Usage: vit-opt inspect [options] <model>", shown after a usage error. */
function usageLine(command: Command): string {
  return `Usage: ${command.createHelp().commandUsage(command)} (see --help)`;
}

function cliVersion(): string {
  // package.json sits one level above both src/ (tests) and dist/ (the built binary).
  const packageJson = JSON.parse(
    readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
  ) as { version: string };
  return packageJson.version;
}
