import type { Command } from 'commander';
import type { CliIo } from './io.js';

/**
 * One `vit-opt` command, in its own file under commands/. `define` declares the command's
 * arguments, options and help on the Command the program created for it, and sets its action:
 * parse options → call the library → print.
 */
export interface CliCommand {
  readonly name: string;
  define(command: Command, io: CliIo): void;
}
