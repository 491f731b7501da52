import { VitOptError } from '@vit-opt/graph';

/**
 * Readers for one options object: each checks one key and names it in the error, so a caller
 * (or the CLI, mapping keys to flags) can say exactly which option was wrong.
 */
export class OptionReader {
  readonly #options: Readonly<Record<string, unknown>>;
  readonly #mode: string;

  constructor(mode: string, options: unknown, knownKeys: readonly string[]) {
    if (options === undefined) options = {};
    if (typeof options !== 'object' || options === null || Array.isArray(options)) {
      throw new VitOptError(
        'INVALID_ARGUMENT',
        `${mode} options must be an object, got ${describe(options)}`,
        {
          subject: 'options',
        },
      );
    }
    const record = options as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!knownKeys.includes(key)) {
        throw new VitOptError(
          'INVALID_ARGUMENT',
          `unknown ${mode} option '${key}'; the options are ${knownKeys.join(', ')}`,
          { subject: key },
        );
      }
    }
    this.#options = record;
    this.#mode = mode;
  }

  boolean(key: string, fallback: boolean): boolean {
    const value = this.#options[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean')
      throw this.#invalid(key, `must be true or false, got ${describe(value)}`);
    return value;
  }

  /** An integer within [min, max]. */
  integer(key: string, fallback: number, min: number, max: number): number {
    const value = this.#options[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      const bound = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`;
      throw this.#invalid(key, `must be an integer ${bound}, got ${describe(value)}`);
    }
    return value;
  }

  /** A finite number in (min, max]. */
  positiveNumber(key: string, fallback: number, max: number): number {
    const value = this.#options[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > max) {
      throw this.#invalid(key, `must be a number > 0 and ≤ ${max}, got ${describe(value)}`);
    }
    return value;
  }

  oneOf<T extends string | number>(key: string, fallback: T, allowed: readonly T[]): T {
    const value = this.#options[key];
    if (value === undefined) return fallback;
    if (!allowed.includes(value as T)) {
      throw this.#invalid(key, `must be one of ${allowed.join(', ')}, got ${describe(value)}`);
    }
    return value as T;
  }

  /** A non-empty list of distinct values from `allowed` (a single value is taken as a list of one). */
  someOf<T extends string>(key: string, fallback: readonly T[], allowed: readonly T[]): T[] {
    const value = this.#options[key];
    if (value === undefined) return [...fallback];
    const list = Array.isArray(value) ? value : [value];
    if (list.length === 0)
      throw this.#invalid(key, `must name at least one of ${allowed.join(', ')}`);
    for (const item of list) {
      if (!allowed.includes(item as T)) {
        throw this.#invalid(key, `may hold only ${allowed.join(', ')}, got ${describe(item)}`);
      }
    }
    return [...new Set(list as T[])];
  }

  /** A list of non-empty strings (a single string is taken as a list of one). */
  strings(key: string, fallback: readonly string[]): string[] {
    const value = this.#options[key];
    if (value === undefined) return [...fallback];
    const list = Array.isArray(value) ? value : [value];
    for (const item of list) {
      if (typeof item !== 'string' || item === '') {
        throw this.#invalid(key, `must be a list of names, got ${describe(item)} in it`);
      }
    }
    return [...new Set(list as string[])];
  }

  /**
   * Regular expressions, given as RegExp objects or as source strings (one or a list). The
   * stateful g and y flags are dropped: the patterns are only ever tested against node names.
   */
  patterns(key: string): RegExp[] {
    const value = this.#options[key];
    if (value === undefined) return [];
    const list = Array.isArray(value) ? value : [value];
    return list.map((item) => {
      if (item instanceof RegExp) return new RegExp(item.source, item.flags.replace(/[gy]/g, ''));
      if (typeof item !== 'string') {
        throw this.#invalid(
          key,
          `must be regular expressions (RegExp or string), got ${describe(item)}`,
        );
      }
      try {
        return new RegExp(item);
      } catch (error) {
        throw this.#invalid(key, `is not a valid regular expression: ${(error as Error).message}`);
      }
    });
  }

  /** A lowercase hex SHA-256 digest, or undefined. */
  sha256(key: string): string | undefined {
    const value = this.#options[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !/^[0-9a-fA-F]{64}$/.test(value)) {
      throw this.#invalid(key, `must be a SHA-256 digest (64 hex digits), got ${describe(value)}`);
    }
    return value.toLowerCase();
  }

  #invalid(key: string, problem: string): VitOptError {
    return new VitOptError('INVALID_ARGUMENT', `${this.#mode} option '${key}' ${problem}`, {
      subject: key,
    });
  }
}

/** A short rendering of a bad value for a message. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof RegExp) return String(value);
  if (typeof value === 'string')
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

/** A pattern as written in a recipe: its source, or /source/flags when it has flags. */
export function patternText(pattern: RegExp): string {
  return pattern.flags === '' ? pattern.source : String(pattern);
}
