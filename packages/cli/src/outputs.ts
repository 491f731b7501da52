import { existsSync, realpathSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, join, relative, resolve, isAbsolute, sep } from 'node:path';
import type { Command } from 'commander';
import { commitStagedFiles, describeFileKind, type StagedFile } from '@vit-opt/graph';
import { throwIfInterrupted } from './interrupt.js';

/** `-o -`: the results go to stdout. */
export const STDOUT = '-';

/** A path a run reads or writes, and what it is to the user ("the model", "--labels"). */
export interface RunPath {
  readonly what: string;
  readonly path: string;
}

export interface RunPaths {
  /** Files the run reads. */
  readonly inputs: readonly RunPath[];
  /** Folders the run reads every file of (an image folder): nothing may be written inside. */
  readonly inputFolders?: readonly RunPath[];
  /** Files the run writes; `what` is the flag ("-o"). */
  readonly outputs: readonly RunPath[];
  /** Whether an output may be '-' (stdout). */
  readonly stdout?: boolean;
}

/**
 * The file a path names, symbolic links and `.`/`..` resolved, whether it exists or not: a path
 * that does not exist yet is its folder's real path and its name.
 */
export function canonicalPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    try {
      return join(realpathSync(dirname(resolve(path))), basename(path));
    } catch {
      return resolve(path);
    }
  }
}

/** What the path is, links followed; undefined when nothing is there (or a folder on it is a file). */
function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

function isInside(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/**
 * Refuses, as a usage error before anything runs or is written, an output that
 * - is one of the run's inputs, or another of its outputs (the same file, links resolved),
 * - lies inside a folder the run reads (the --data images),
 * - exists and is not a regular file the run could replace (a directory, /dev/null, a FIFO),
 * - is '-' where the output cannot go to stdout.
 */
export function checkOutputs(command: Command, run: RunPaths): void {
  const refuse = (message: string): never => command.error(`error: ${message}`);
  const inputs = run.inputs.map((input) => ({ ...input, canonical: canonicalPath(input.path) }));
  const folders = (run.inputFolders ?? []).map((f) => ({ ...f, canonical: canonicalPath(f.path) }));
  const seen: Array<RunPath & { canonical: string }> = [];
  for (const output of run.outputs) {
    const named = `${output.what} ${output.path}`;
    if (output.path === STDOUT) {
      if (!run.stdout) refuse(`${output.what} - (stdout) cannot take this output; give a file`);
      continue;
    }
    if (output.path === '') refuse(`${output.what} is empty; give a file`);
    const canonical = canonicalPath(output.path);
    const input = inputs.find((i) => i.canonical === canonical);
    if (input !== undefined)
      refuse(`${named} is ${input.what}, which this run reads; write elsewhere`);
    const other = seen.find((o) => o.canonical === canonical);
    if (other !== undefined)
      refuse(`${named} is also ${other.what}; give each output its own file`);
    const folder = folders.find((f) => isInside(f.canonical, canonical));
    if (folder !== undefined)
      refuse(`${named} is inside ${folder.what} ${folder.path}, which this run reads`);
    const target = statOrUndefined(output.path);
    if (target !== undefined && !target.isFile()) {
      refuse(`${named} is ${describeFileKind(target)}, not a file to write`);
    }
    seen.push({ ...output, canonical });
  }
}

/** A model's config.json and preprocessor_config.json (beside it, or above an onnx/ folder). */
export function companionInputs(modelPath: string, what: string): RunPath[] {
  const folder = dirname(resolve(modelPath));
  const folders = basename(folder) === 'onnx' ? [folder, dirname(folder)] : [folder];
  const found: RunPath[] = [];
  for (const dir of folders) {
    for (const name of ['config.json', 'preprocessor_config.json']) {
      const path = join(dir, name);
      if (existsSync(path)) found.push({ what: `${what}'s ${name}`, path });
    }
  }
  return found;
}

/**
 * Commits a run's staged outputs together, unless a signal came first: then none is, and the
 * signal's InterruptedError is thrown. If one rename fails, those not yet renamed are discarded.
 */
export function commitOutputs(staged: readonly StagedFile[], signal: AbortSignal): void {
  try {
    throwIfInterrupted(signal);
  } catch (error) {
    for (const file of staged) file.discard();
    throw error;
  }
  commitStagedFiles(staged);
}

/** Stages outputs with `stage`, discarding those staged so far if a later one fails. */
export function stageAll(
  steps: ReadonlyArray<() => StagedFile | readonly StagedFile[]>,
): StagedFile[] {
  const staged: StagedFile[] = [];
  try {
    for (const step of steps) {
      const result = step();
      staged.push(...(Array.isArray(result) ? result : [result as StagedFile]));
    }
  } catch (error) {
    for (const file of staged) file.discard();
    throw error;
  }
  return staged;
}
