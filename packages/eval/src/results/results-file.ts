import { readFile } from 'node:fs/promises';
import { VitOptError, describeFsError, writeFileAtomic } from '@vit-opt/graph';
import { RESULTS_SCHEMA_VERSION, type ResultsDocument } from './results-document.js';
import { formatResultsJson } from './results-json.js';
import { findSchemaViolation } from './results-schema.js';

/**
 * Reads and validates a results document. Any problem is one VitOptError naming the file and the
 * first thing wrong: not JSON, written by another schema version, or where it breaks the schema.
 */
export async function readResults(path: string): Promise<ResultsDocument> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new VitOptError(
      missing ? 'FILE_NOT_FOUND' : 'FILE_UNREADABLE',
      missing ? 'no such results file' : `cannot read results (${describeFsError(error)})`,
      { subject: path, cause: error },
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new VitOptError(
      'CORRUPT',
      `not a results file: not valid JSON (${(error as Error).message})`,
      {
        subject: path,
        cause: error,
      },
    );
  }
  const version = (value as { schema_version?: unknown } | null)?.schema_version;
  if (
    typeof version === 'string' &&
    version !== RESULTS_SCHEMA_VERSION &&
    version.startsWith('vit-opt.results/')
  ) {
    throw new VitOptError(
      'UNSUPPORTED',
      `results in schema ${version}; this vit-opt reads ${RESULTS_SCHEMA_VERSION}`,
      { subject: path },
    );
  }
  const violation = findSchemaViolation(value);
  if (violation !== undefined) {
    throw new VitOptError('CORRUPT', `not valid vit-opt results ${violation}`, { subject: path });
  }
  return value as ResultsDocument;
}

/**
 * Writes a results document atomically (a crash or Ctrl-C leaves the old file or none, never half
 * of one). What is checked against the schema is the JSON text itself, read back, so a value JSON
 * cannot carry (NaN becomes null) is caught here rather than by the next reader.
 */
export function writeResults(path: string, document: ResultsDocument): void {
  const text = formatResultsJson(document);
  const violation = findSchemaViolation(JSON.parse(text));
  if (violation !== undefined) {
    throw new VitOptError('INVALID_ARGUMENT', `refusing to write invalid results ${violation}`, {
      subject: path,
    });
  }
  writeFileAtomic(path, text);
}
