import { VitOptError } from '@vit-opt/graph';

/** A key's place in the file: ['variants', 2, 'kind']. */
export type KeyPath = readonly (string | number)[];

/**
 * A pipeline file that cannot be run: one line naming the file and line, the key, and what is
 * wrong ("pipeline.yaml:12: variants[2].kind: must be one of …"). The CLI exits 2 on it, before
 * anything is written.
 */
export class PipelineConfigError extends VitOptError {
  /** The key at fault; empty for the file as a whole. */
  readonly path: KeyPath;
  /** The key as the message names it: "variants[2].kind". */
  readonly key: string;
  /** 1-based line of the key in the file; null for a config made in code. */
  readonly line: number | null;
  /** What is wrong, without the key. */
  readonly problem: string;

  constructor(
    file: string | undefined,
    line: number | null,
    path: KeyPath,
    problem: string,
    cause?: unknown,
  ) {
    const key = keyPath(path);
    const where = file === undefined ? undefined : line === null ? file : `${file}:${line}`;
    super('INVALID_ARGUMENT', key === '' ? problem : `${key}: ${problem}`, {
      ...(where === undefined ? {} : { subject: where }),
      cause,
    });
    this.name = 'PipelineConfigError';
    this.path = path;
    this.key = key;
    this.line = line;
    this.problem = problem;
  }
}

export function isPipelineConfigError(error: unknown): error is PipelineConfigError {
  return error instanceof PipelineConfigError;
}

/** "variants[2].calib-method" from ['variants', 2, 'calib-method']. */
export function keyPath(path: KeyPath): string {
  let text = '';
  for (const part of path) {
    text += typeof part === 'number' ? `[${part}]` : text === '' ? part : `.${part}`;
  }
  return text;
}
