import { CommanderError } from 'commander';
import { VitOptError, isVitOptError } from '@vit-opt/graph';
import { ExitCode } from './exit-codes.js';
import type { CliIo } from './io.js';
import { InterruptedError } from './interrupt.js';

/** Set to 1 to see stack traces, for expected errors too. */
export const DEBUG_VARIABLE = 'VIT_OPT_DEBUG';

/**
 * Prints a failed run's error and returns its exit code. Commander has already printed usage
 * errors (one line and the usage); a VitOptError is one line naming its file or option; Ctrl-C
 * and SIGTERM are one line too (exit 130, 143); anything else is a bug in vit-opt.
 */
export function reportFailure(error: unknown, io: CliIo): number {
  const debug = process.env[DEBUG_VARIABLE] === '1';
  if (error instanceof CommanderError) {
    // --help and --version end parsing through the same exception, with exit code 0.
    return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
  if (error instanceof InterruptedError) {
    io.stderr.write(`${error.message}\n`);
    return error.exitCode;
  }
  if (isVitOptError(error)) {
    io.stderr.write(`error: ${error.toOneLine()}\n`);
    if (debug) io.stderr.write(`${stackOf(error)}\n`);
    return ExitCode.failure;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr.write(`internal error: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
  io.stderr.write(
    debug
      ? `${stackOf(error)}\n`
      : `(this is a bug in vit-opt; run again with ${DEBUG_VARIABLE}=1 to see the stack trace)\n`,
  );
  return ExitCode.internal;
}

/** The stack, followed by the stacks of its causes. */
function stackOf(error: unknown): string {
  const parts: string[] = [];
  for (
    let e: unknown = error;
    e !== undefined && parts.length < 8;
    e = e instanceof Error ? e.cause : undefined
  ) {
    parts.push(e instanceof Error ? (e.stack ?? e.message) : String(e));
  }
  return parts.join('\ncaused by: ');
}

/**
 * A library error whose subject names one of the run's inputs ('model', 'data', 'ranges'…),
 * re-aimed at the path the user gave for it, so that the one line names the file; other errors
 * as they were.
 */
export function namingInputPath(
  error: VitOptError,
  paths: Readonly<Record<string, string | undefined>>,
): VitOptError {
  const path =
    error.subject === undefined || !Object.hasOwn(paths, error.subject)
      ? undefined
      : paths[error.subject];
  return path === undefined
    ? error
    : new VitOptError(error.code, error.message, { subject: path, cause: error });
}
