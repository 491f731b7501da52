import type { CliIo } from './io.js';

/** A result as JSON on stdout, for scripts: pretty-printed, one document, a final newline. */
export function writeJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
