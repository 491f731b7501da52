import type { ResultsDocument } from '@vit-opt/eval/results';

/** One results document and where it came from, as a report reads it. */
export interface ReportInput {
  /** The results file (or another label a caller gives): what errors and the report name. */
  readonly source: string;
  readonly results: ResultsDocument;
  /**
   * The variant's name in the report. Without it the name comes from the model's path: its
   * folder for `…/int8/model.onnx`, else the file name without `.onnx`.
   */
  readonly name?: string;
}
