import { createProgram } from './program.js';
import { reportFailure } from './errors.js';
import { ExitCode } from './exit-codes.js';
import { processIo, type CliIo } from './io.js';

/**
 * Runs `vit-opt` with `args` (the arguments after the program name) and returns the exit code;
 * it never exits the process, so tests run it in-process with captured output.
 */
export async function run(args: readonly string[], io: CliIo = processIo()): Promise<number> {
  const program = createProgram(io);
  try {
    await program.parseAsync([...args], { from: 'user' });
    return ExitCode.ok;
  } catch (error) {
    return reportFailure(error, io);
  }
}
