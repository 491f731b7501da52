import { VitOptError } from '@vit-opt/graph';
import { readResults } from '@vit-opt/eval/results';
import type { ReportInput } from './report-input.js';

/**
 * Reads results files for a report through @vit-opt/eval's reader, so a file that is not JSON,
 * breaks the schema or was written by another schema version fails with the same one-line error
 * as everywhere else in vit-opt. Reading results never loads onnxruntime.
 */
export async function loadReportInputs(paths: readonly string[]): Promise<ReportInput[]> {
  if (paths.length === 0) {
    throw new VitOptError('INVALID_ARGUMENT', 'no results files given', { subject: 'paths' });
  }
  const inputs: ReportInput[] = [];
  for (const path of paths) inputs.push({ source: path, results: await readResults(path) });
  return inputs;
}
