/**
 * The one error type of vit-opt. `code` is stable and machine-readable; `subject` names the file,
 * option or graph element the error is about, so the CLI can print a single line a user can act on.
 */
export type VitOptErrorCode =
  | 'FILE_NOT_FOUND'
  | 'FILE_UNREADABLE'
  | 'EMPTY_FILE'
  | 'NOT_ONNX'
  | 'TRUNCATED'
  | 'CORRUPT'
  | 'EXTERNAL_DATA'
  | 'INVALID_GRAPH'
  | 'INVALID_ARGUMENT'
  | 'UNSUPPORTED'
  | 'PASS_FAILED'
  | 'WRITE_FAILED';

export interface VitOptErrorOptions {
  subject?: string;
  cause?: unknown;
}

export class VitOptError extends Error {
  readonly code: VitOptErrorCode;
  readonly subject: string | undefined;

  constructor(code: VitOptErrorCode, message: string, options: VitOptErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'VitOptError';
    this.code = code;
    this.subject = options.subject;
  }

  /** One line for a terminal: "<subject>: <message>". */
  toOneLine(): string {
    const text = this.message.replace(/\s*\n\s*/g, ' ');
    return this.subject === undefined ? text : `${this.subject}: ${text}`;
  }
}

export function isVitOptError(error: unknown): error is VitOptError {
  return error instanceof VitOptError;
}
