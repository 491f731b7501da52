import type { PreprocessOverrides } from '@vit-opt/eval/data';

/**
 * A pipeline: one model, its validation and calibration sets, and the variants to build from it.
 * loadPipelineConfig reads one from a YAML file (paths there are relative to the file); code can
 * make one directly.
 */
export interface PipelineConfig {
  /** The file it was read from, named by errors; undefined when made in code. */
  readonly source?: string;
  /** The float model: a .onnx file (config.json and preprocessor_config.json beside it, if any). */
  readonly model: string;
  /** Replaces steps of the model's preprocessor_config.json, or stands in for a missing one. */
  readonly preprocess?: PreprocessOverrides;
  readonly data: {
    /** ImageFolder directory or CSV/JSONL manifest, as `vit-opt eval --data`. */
    readonly validation: string;
    /** Image folder (<class>/<image>) that static variants calibrate on. */
    readonly calibration?: string;
  };
  readonly eval?: PipelineEvalSettings;
  readonly bench?: PipelineBenchSettings;
  readonly report?: { readonly title?: string };
  readonly variants: readonly VariantConfig[];
}

export interface PipelineEvalSettings {
  /** Evaluate the first N images only. */
  readonly limit?: number;
  readonly batchSize?: number;
  /** onnxruntime intra-op threads (default onnxruntime's: one per core). */
  readonly threads?: number;
}

export interface PipelineBenchSettings {
  /** Timed runs per configuration (default 50). */
  readonly runs?: number;
  /** Untimed runs first (default 3). */
  readonly warmupRuns?: number;
  /** Default [1]. */
  readonly batchSizes?: readonly number[];
  /** Intra-op thread counts (default: the number of cores). */
  readonly threads?: readonly number[];
}

/** One variant: its name (its folder), its kind (steps/), and the kind's own keys. */
export interface VariantConfig {
  readonly name: string;
  readonly kind: string;
  /** Build from this earlier variant's model instead of the pipeline's model. */
  readonly from?: string;
  /** The kind's keys as the file writes them (kebab-case, like `vit-opt quantize`'s flags). */
  readonly options: Readonly<Record<string, unknown>>;
}
