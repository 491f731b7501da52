import type { EvalMetrics } from '../metrics/classification-metrics.js';
import type { ItemRecord } from '../metrics/item-record.js';

/**
 * The TypeScript view of packages/eval/schema/results.schema.json: one JSON document per
 * `vit-opt eval` or `vit-opt bench` run. Keys are snake_case throughout, because the issue fixes
 * some of them (`metrics.top1`, `latency.p50_ms`) and one convention is easier to read and query.
 * Fractions are in [0, 1]; times carry `_ms`, sizes `_bytes`.
 */
export const RESULTS_SCHEMA_VERSION = 'vit-opt.results/1';

export type ResultsDocument = EvalResults | BenchResults;

/** onnxruntime's graph optimization levels, as onnxruntime-node names them. */
export type GraphOptimizationLevel = 'disabled' | 'basic' | 'extended' | 'layout' | 'all';

export interface ModelDescription {
  /** As the user gave it. */
  readonly path: string;
  /** Of the .onnx file; external-data files have their own below. */
  readonly sha256: string;
  /** Bytes on disk: the .onnx file plus its external-data files. */
  readonly size_bytes: number;
  readonly external_data: readonly ExternalDataFile[];
  /**
   * Elements of the graphs' initializers, except int64, bool and string ones (shapes, axes,
   * indices, masks): float weights and also the int8/int4 weights and int32 biases of a quantized
   * model, so fp32 and int8 variants of one model report about the same count.
   */
  readonly parameter_count: number;
  /** The parsed `vit-opt.recipe` metadata entry vit-opt writes on a variant; null when absent. */
  readonly recipe: { readonly [key: string]: unknown } | null;
}

export interface ExternalDataFile {
  /** Relative to the model's folder, as the model names it. */
  readonly location: string;
  readonly sha256: string;
  readonly size_bytes: number;
}

export interface EnvironmentDescription {
  readonly cpu_model: string;
  /**
   * The CPU features onnxruntime's kernels choose between (AVX2, AVX-512, VNNI, AMX; NEON dot
   * product, i8mm on Arm): they decide how fast int8 runs. Empty where /proc/cpuinfo is absent.
   */
  readonly cpu_features: readonly string[];
  /**
   * The int8 instruction family onnxruntime's integer kernels use here (amx, avx512-vnni,
   * avx-vnni, avx512, avx2, x86, arm64): without VNNI (avx512, avx2, x86) pairs of u8×s8
   * products are clipped to int16. Absent in results written before it was recorded.
   */
  readonly int8_isa?: string;
  /** Where cpu_features came from: /proc/cpuinfo, the VIT_OPT_CPU_FLAGS override, or none. */
  readonly cpu_features_source?: string;
  /**
   * What a reader of these figures must know about this machine, one line each: e.g. that it
   * computes an int8 model's products differently from the CPU the model was quantized for.
   */
  readonly warnings?: readonly string[];
  /** CPUs this process may run on (os.availableParallelism()). */
  readonly logical_cores: number;
  readonly total_memory_bytes: number;
  readonly os: { readonly platform: string; readonly release: string; readonly arch: string };
  readonly node_version: string;
  readonly onnxruntime_version: string;
  readonly vit_opt_version: string;
}

export interface DatasetDescription {
  /** The image folder or manifest, as the user gave it. */
  readonly path: string;
  /** See hashDatasetContent: pins which file each dataset index is. */
  readonly content_hash: string;
  readonly content_hash_method: DatasetHashMethod;
  /** Images in the whole dataset, before sample, limit and shard. */
  readonly item_count: number;
  /** Class names by class index (the model's id2label or the labels file); null when unknown. */
  readonly class_names: readonly string[] | null;
  readonly selection: DatasetSelection;
}

/** `file-bytes`: each file's SHA-256 is hashed; `file-sizes`: only path, label and byte size. */
export type DatasetHashMethod = 'file-bytes' | 'file-sizes';

/** Which images of the dataset the run evaluated: sample, then limit, then shard. */
export interface DatasetSelection {
  readonly sample: { readonly count: number; readonly seed: number } | null;
  readonly limit: number | null;
  readonly shard: ShardPosition | null;
}

export interface ShardPosition {
  /** 0-based. */
  readonly index: number;
  readonly count: number;
}

/** The resolved preprocessing (PreprocessConfig, snake_case). */
export interface PreprocessingDescription {
  readonly size: ImageSizeDescription | { readonly shortest_edge: number } | null;
  readonly resample: string;
  readonly crop_size: ImageSizeDescription | null;
  readonly rescale_factor: number | null;
  readonly normalize: {
    readonly mean: readonly [number, number, number];
    readonly std: readonly [number, number, number];
  } | null;
}

export interface ImageSizeDescription {
  readonly height: number;
  readonly width: number;
}

export interface EvalRuntime {
  readonly execution_provider: string;
  readonly graph_optimization_level: GraphOptimizationLevel;
  /** 0: onnxruntime's default. */
  readonly intra_op_threads: number;
  /** 0: onnxruntime's default. */
  readonly inter_op_threads: number;
  readonly batch_size: number;
}

export interface EvalTimings {
  readonly wall_ms: number;
  /** Time inside session.run, every model of the run (the baseline too) added up. */
  readonly inference_ms: number;
  /**
   * Time inference waited for preprocessed batches: the part of decoding and preprocessing that
   * was not hidden behind inference.
   */
  readonly input_wait_ms: number;
  /** Evaluated images (metrics.item_count) per second of wall time. */
  readonly images_per_second: number;
}

/** An image that could not be read or decoded; it is not in the metrics. */
export interface FailureRecord {
  readonly index: number;
  readonly path: string;
  /** The VitOptError code, e.g. CORRUPT. */
  readonly code: string;
  readonly reason: string;
}

/** One shard a merged document was made from. */
export interface MergedShard {
  /** The shard's results file. */
  readonly source: string;
  readonly shard: ShardPosition;
  readonly item_count: number;
  readonly failure_count: number;
  readonly runtime: EvalRuntime;
  readonly environment: EnvironmentDescription;
  readonly timings: EvalTimings;
}

export interface EvalResults {
  readonly schema_version: typeof RESULTS_SCHEMA_VERSION;
  readonly kind: 'eval';
  /** ISO 8601, UTC. */
  readonly created_at: string;
  readonly model: ModelDescription;
  readonly baseline_model: ModelDescription | null;
  readonly dataset: DatasetDescription;
  /** The model's. */
  readonly preprocessing: PreprocessingDescription;
  /**
   * The baseline's (its own preprocessor_config.json, else the model's), present exactly when
   * there is a baseline; absent in results written before it was recorded, whose baseline took
   * the model's inputs.
   */
  readonly baseline_preprocessing?: PreprocessingDescription;
  readonly runtime: EvalRuntime;
  /** Where the run ran; for a merge, where its first shard ran (all are in merged_from). */
  readonly environment: EnvironmentDescription;
  readonly metrics: EvalMetrics;
  readonly timings: EvalTimings;
  /** Sorted by index. */
  readonly failures: readonly FailureRecord[];
  /** Per-image records, sorted by index: what the metrics are computed from. */
  readonly items: readonly ItemRecord[];
  /** The shards, in shard order, when this document merges them; otherwise null. */
  readonly merged_from: readonly MergedShard[] | null;
}

export interface BenchRuntime {
  readonly execution_provider: string;
  readonly graph_optimization_level: GraphOptimizationLevel;
  readonly inter_op_threads: number;
  /**
   * Whether idle intra-op threads spin (onnxruntime's session.intra_op.allow_spinning). Off when
   * a run measures several configurations, so threads of one session cannot take cores from the
   * next.
   */
  readonly intra_op_spinning: boolean;
}

/** Latency of single session.run calls after warm-up, in milliseconds. */
export interface LatencySummary {
  /** Percentiles by linear interpolation between ranks (numpy.percentile's default). */
  readonly p50_ms: number;
  readonly p90_ms: number;
  readonly p99_ms: number;
  readonly mean_ms: number;
  readonly min_ms: number;
  readonly max_ms: number;
  /** Sample standard deviation (n − 1); 0 for a single run. */
  readonly stddev_ms: number;
}

export interface BenchMeasurement {
  readonly batch_size: number;
  readonly intra_op_threads: number;
  /**
   * InferenceSession.create of the session this measurement used. The first session of a run
   * also reads the file from disk; later ones usually find it in the page cache.
   */
  readonly session_load_ms: number;
  /** Timed runs (warm-up runs excluded). */
  readonly runs: number;
  readonly latency: LatencySummary;
  /** batch_size / mean latency. */
  readonly throughput_images_per_second: number;
}

export interface BenchInput {
  readonly name: string;
  /** The model's declared shape; symbolic dimensions as their names. */
  readonly shape: readonly (number | string)[];
}

export interface BenchResults {
  readonly schema_version: typeof RESULTS_SCHEMA_VERSION;
  readonly kind: 'bench';
  readonly created_at: string;
  readonly model: ModelDescription;
  readonly runtime: BenchRuntime;
  readonly environment: EnvironmentDescription;
  readonly bench: {
    readonly inputs: readonly BenchInput[];
    readonly warmup_runs: number;
    /** What ended each measurement: a number of runs, or a time budget. */
    readonly stop: { readonly runs: number } | { readonly seconds: number };
    /** Peak resident memory of the whole process (every session it held), not of one session. */
    readonly process_peak_rss_bytes: number;
    readonly measurements: readonly BenchMeasurement[];
  };
}
