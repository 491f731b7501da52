import type {
  BenchMeasurement,
  BenchResults,
  DatasetDescription,
  EnvironmentDescription,
  EvalResults,
  ModelDescription,
} from '@vit-opt/eval/results';

/** A results document with the file it came from. */
export interface Sourced<T> {
  readonly source: string;
  readonly results: T;
}

/** One model of the report (one model file, by SHA-256) and every result about it. */
export interface Variant {
  readonly name: string;
  readonly model: ModelDescription;
  /** Its eval results; null when only benchmarked, or known only as another run's baseline. */
  readonly eval: Sourced<EvalResults> | null;
  readonly bench: readonly Sourced<BenchResults>[];
  /** Every bench measurement of the variant; a later file's replaces an earlier one's. */
  readonly measurements: readonly BenchMeasurement[];
  /**
   * Top-1 when the variant has no eval results of its own but is the baseline other eval runs
   * name: their metrics.baseline_top1. Otherwise null (use eval.results.metrics).
   */
  readonly baselineTop1: number | null;
}

/** Whether a change in top-1 is more than chance on this data. */
export type Significance = 'drop' | 'gain' | 'none' | 'unknown';

/** A variant's accuracy against the baseline's. */
export interface BaselineComparison {
  /** top-1 − baseline top-1, a fraction. */
  readonly top1Delta: number;
  /** 95% paired-bootstrap interval of top1Delta; null when eval did not pair the two models. */
  readonly top1DeltaCi95: readonly [number, number] | null;
  /** Fraction of images both give the same top-1 class; null when not computable. */
  readonly agreement: number | null;
  readonly mcnemarP: number | null;
  readonly significance: Significance;
  /**
   * `paired`: eval ran the baseline on the same batches (--baseline); `separate`: computed here
   * from the two runs' per-image records, so without a CI or a test.
   */
  readonly method: 'paired' | 'separate';
}

/** The bench configuration the report's latency and throughput columns show. */
export interface BenchConfig {
  readonly batchSize: number;
  readonly threads: number;
}

/** Everything a report shows, checked and grouped, before any rendering. */
export interface ReportData {
  readonly title: string;
  /** Baseline first, then the variants in the order their first results file was given. */
  readonly variants: readonly Variant[];
  readonly baseline: Variant;
  /** Why that variant is the baseline, as a sentence fragment for the report. */
  readonly baselineReason: string;
  /** Comparisons against the baseline by variant name (never the baseline's own). */
  readonly comparisons: ReadonlyMap<string, BaselineComparison>;
  /** The dataset of the eval results; null when there are only bench results. */
  readonly dataset: DatasetDescription | null;
  /** Class names by index: the dataset's, else "class 0", "class 1", …; empty without eval. */
  readonly classNames: readonly string[];
  /** The configuration every benchmarked variant was measured in; null without bench results. */
  readonly benchConfig: BenchConfig | null;
  /** Each distinct machine/software environment and the files measured on it. */
  readonly environments: readonly EnvironmentGroup[];
  /** Things a reader should know: e.g. results from different machines. */
  readonly notes: readonly string[];
}

export interface EnvironmentGroup {
  readonly environment: EnvironmentDescription;
  readonly sources: readonly string[];
}
