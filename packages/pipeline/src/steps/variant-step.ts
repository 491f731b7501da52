import type { Model } from '@vit-opt/graph';
import type { PreprocessOverrides } from '@vit-opt/eval/data';

/** A JSON Schema (draft 2020-12) object, as ajv takes it. */
export type JsonSchema = Readonly<Record<string, unknown>>;

/** A variant's own keys from the pipeline file (kebab-case, as written), validated by the step's schema. */
export type StepOptions = Readonly<Record<string, unknown>>;

/** What a step gets to build its variant. */
export interface StepInput {
  /** The input model, decoded fresh for this step: the step may change it in place. */
  readonly model: Model;
  readonly modelPath: string;
  readonly modelSha256: string;
  readonly options: StepOptions;
  /** The calibration image folder of the pipeline file, if it names one. */
  readonly calibration: string | undefined;
  /** The preprocessing the pipeline file gives (replacing steps of preprocessor_config.json). */
  readonly preprocess: PreprocessOverrides;
  /** Work done so far, for the progress view ("images", "passes", …). */
  readonly onProgress: (done: number, total: number, unit: string) => void;
  readonly signal: AbortSignal | undefined;
}

/** The variant's model, or `unchanged` for a copy of the input file, byte for byte. */
export type StepOutput =
  | {
      readonly model: Model;
      readonly notes?: readonly string[];
      /**
       * Config files of the variant that differ from its input's, by name (a resized model's
       * preprocessor_config.json and config.json): written beside it instead of the copies.
       */
      readonly configs?: Readonly<Record<string, string>>;
    }
  | { readonly unchanged: true };

/**
 * One kind of variant the pipeline file can name (`kind: dynamic`). A new kind is one file
 * defining one of these, listed in steps/index.ts: its keys, validated from the file with
 * their lines, and how it turns an input model into the variant.
 */
export interface VariantStep {
  readonly kind: string;
  /** One line for documentation and errors: what the variant is. */
  readonly summary: string;
  /** JSON Schemas of the kind's own keys (besides name, kind and from). */
  readonly options: Readonly<Record<string, JsonSchema>>;
  /** Whether a variant with these options reads the calibration images. */
  usesCalibration(options: StepOptions): boolean;
  /**
   * What else decides the output besides the options and the input model: what the machine
   * resolves (target: auto reads this CPU). Part of the variant's content hash.
   */
  fingerprint?(options: StepOptions): unknown;
  build(input: StepInput): Promise<StepOutput>;
}
