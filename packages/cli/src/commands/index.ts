import type { CliCommand } from '../command.js';
import { benchCommand } from './bench.js';
import { evalCommand } from './eval.js';
import { inspectCommand } from './inspect.js';
import { mergeCommand } from './merge.js';
import { pruneCommand } from './prune.js';
import { quantizeCommand } from './quantize.js';
import { reportCommand } from './report.js';
import { resizeCommand } from './resize.js';
import { runCommand } from './run.js';
import { simplifyCommand } from './simplify.js';

/** Every command of the program, in the order `vit-opt --help` lists them. */
export const commands: readonly CliCommand[] = [
  inspectCommand,
  simplifyCommand,
  quantizeCommand,
  evalCommand,
  mergeCommand,
  benchCommand,
  pruneCommand,
  resizeCommand,
  reportCommand,
  runCommand,
];
