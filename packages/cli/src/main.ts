import { createProgram } from './program.js';
import { reportFailure } from './errors.js';
import { ExitCode } from './exit-codes.js';
import { interruptSignal, throwIfInterrupted } from './interrupt.js';
import { processIo, type CliIo } from './io.js';

/**
 * Runs `vit-opt` with `args` (the arguments after the program name) and returns the exit code;
 * it never exits the process, so tests run it in-process with captured output.
 */
export async function run(args: readonly string[], io: CliIo = processIo()): Promise<number> {
  // SIGINT and SIGTERM stop every command alike, for the whole run: a signal during a write must
  // not kill the process with a temp file half written.
  const interrupt = interruptSignal();
  try {
    throwIfInterrupted(interrupt.signal);
    const program = createProgram(io);
    await program.parseAsync([...args], { from: 'user' });
    return ExitCode.ok;
  } catch (error) {
    return reportFailure(error, io);
  } finally {
    interrupt.dispose();
  }
}
