import type { CliIo } from './io.js';

/** A result as JSON on stdout, for scripts: pretty-printed, one document, a final newline. */
export function writeJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * The warnings a run's environment carries (an int8 model this CPU computes differently from its
 * target, …), one line each on stderr, so a pipeline's log shows them even with --json.
 */
export function writeEnvironmentWarnings(io: CliIo, environment: { readonly warnings?: readonly string[] }): void {
  for (const warning of environment.warnings ?? []) io.stderr.write(`warning: ${warning}\n`);
}
