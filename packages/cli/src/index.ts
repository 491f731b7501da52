export { run } from './main.js';
export { ExitCode } from './exit-codes.js';
export { captureIo } from './io.js';
export type { CapturedIo, CliIo, TextSink } from './io.js';
export type { CliCommand } from './command.js';
