import { VitOptError, readRegularFileAsync, stageFile, type StagedFile } from '@vit-opt/graph';
import { RESULTS_SCHEMA_VERSION, type ResultsDocument } from './results-document.js';
import { formatResultsJson } from './results-json.js';
import { findSchemaViolation } from './results-schema.js';

/** The longest string V8 makes (a results document of a million images is some 300 MB). */
const MAX_RESULTS_BYTES = 0x1fff_ffe8;

/**
 * Reads and validates a results document. Any problem is one VitOptError naming the file and the
 * first thing wrong: not JSON, written by another schema version, or where it breaks the schema.
 */
export async function readResults(path: string): Promise<ResultsDocument> {
  let text: string;
  try {
    text = (
      await readRegularFileAsync(path, { what: 'a results file', maxBytes: MAX_RESULTS_BYTES })
    ).toString('utf8');
  } catch (error) {
    if (!(error instanceof VitOptError)) throw error;
    const missing = error.code === 'FILE_NOT_FOUND';
    throw new VitOptError(
      error.code,
      missing ? 'no such results file' : `cannot read results: ${error.message}`,
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
 * The JSON text of a results document, checked against the schema as read back, so that a value
 * JSON cannot carry (NaN becomes null) is caught here rather than by the next reader. `subject`
 * names where it was going in the error.
 */
export function resultsText(document: ResultsDocument, subject: string): string {
  const text = formatResultsJson(document);
  const violation = findSchemaViolation(JSON.parse(text));
  if (violation !== undefined) {
    throw new VitOptError('INVALID_ARGUMENT', `refusing to write invalid results ${violation}`, {
      subject,
    });
  }
  return text;
}

/**
 * A results document written to a temp file beside `path`, to be committed with the run's other
 * outputs (see @vit-opt/graph's stageFile).
 */
export function stageResults(path: string, document: ResultsDocument): StagedFile {
  return stageFile(path, resultsText(document, path));
}

/**
 * Writes a results document atomically (a crash or Ctrl-C leaves the old file or none, never half
 * of one), checked as resultsText does.
 */
export function writeResults(path: string, document: ResultsDocument): void {
  stageResults(path, document).commit();
}
