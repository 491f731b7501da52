import { OptionReader, patternText } from './option-readers.js';
import {
  QUANTIZATION_TARGETS,
  resolveQuantizationTarget,
  type QuantizationTarget,
  type TargetResolution,
} from '../targets/quantization-target.js';

/** Node-name patterns: RegExp objects or regex source strings, one or a list. */
export type NamePatterns = RegExp | string | readonly (RegExp | string)[];

/** Which weighted nodes a mode rewrites. Names are matched with RegExp.test (anywhere in the name unless anchored). */
export interface NodeSelectionOptions {
  /** Only nodes whose name matches one of these (default: every node). */
  includeNodes?: NamePatterns;
  /** Never nodes whose name matches one of these; wins over includeNodes. */
  excludeNodes?: NamePatterns;
  /** Leave weights with fewer elements float (default 0: quantize every weight that qualifies). */
  minimumWeightElements?: number;
}

export interface RecipeSourceOptions {
  /** SHA-256 of the source model file, recorded in the recipe when given. */
  sourceSha256?: string;
}

export type DynamicOpType = 'MatMul' | 'Gemm' | 'Conv' | 'Attention';

export interface TargetOptions {
  /**
   * The CPU the model is for (default 'auto': this machine's, read from /proc/cpuinfo or
   * VIT_OPT_CPU_FLAGS). Each target fixes weight type, reduce-range, per-channel and format to
   * what measured accurate and fastest there; options given explicitly override its choices.
   * 'portable' is exact on every x86 and Arm CPU.
   */
  target?: QuantizationTarget;
}

export interface DynamicQuantizationOptions
  extends NodeSelectionOptions, RecipeSourceOptions, TargetOptions {
  /**
   * One weight scale per output channel (default: the target's, true for every target; false in
   * onnxruntime's tool). onnxruntime fuses both layouts into the same kernels: on ViT-B/16 they
   * ran at the same speed on a 2-core Zen 4 and on AMX, and per-channel logits were closer to
   * fp32 (cosine 0.9995 against 0.9991; mean KL on the tiny fixtures 8.1e-5 against 9.9e-5).
   */
  perChannel?: boolean;
  /**
   * 7-bit weights, for CPUs without VNNI where pairs of full-range u8×s8 products saturate int16
   * (default: the target's; true for avx2, avx512 and portable).
   */
  reduceRange?: boolean;
  /**
   * int8 (the default of every target) or uint8 weights: u8×u8 products never saturate but run
   * on slower kernels.
   */
  weightType?: 'int8' | 'uint8';
  /** Zero point 0 and scale max|w|/127 (default true); false spreads [min, max] over −128…127. */
  weightSymmetric?: boolean;
  /**
   * Op types to quantize (default MatMul, Gemm and Attention — the com.microsoft op
   * fuseTransformer makes, which becomes QAttention). Conv (the patch embedding) is left float
   * unless listed. Listed, it becomes DynamicQuantizeLinear → ConvInteger → Cast → Mul → Add:
   * onnxruntime fuses none of that chain (there is no dynamic counterpart of
   * DynamicQuantizeMatMul for Conv), its CPU ConvInteger takes only a per-tensor weight zero
   * point (so Conv is always quantized per tensor) and runs an im2col plus integer GEMM with
   * int32 output that the float Conv's NCHWc kernels outrun. On ViT-B/16 (2-core Zen 4) adding
   * Conv made the int8 model slower: 82.5 ms against 77.6 ms at batch 1.
   */
  opTypes?: DynamicOpType | readonly DynamicOpType[];
  /**
   * One DynamicQuantizeLinear per activation, shared by all the MatMuls that read it (q, k and
   * v read the same LayerNorm output). Default false: each MatMul's chain is self-contained and
   * fuses into one DynamicQuantizeMatMul, which needs a DynamicQuantizeLinear feeding a single
   * MatMul; shared, the chains fuse into MatMulIntegerToFloat. onnxruntime's
   * common-subexpression elimination merges identical DynamicQuantizeLinear nodes anyway, so
   * there both settings run the same graph; with that elimination off, all-DynamicQuantizeMatMul
   * measured as fast as the shared form on ViT-B/16.
   */
  shareActivationQuantization?: boolean;
}

export interface NodeSelection {
  readonly opTypes: readonly string[];
  readonly includeNodes: readonly RegExp[];
  readonly excludeNodes: readonly RegExp[];
  readonly minimumWeightElements: number;
}

export interface DynamicQuantizationSettings extends NodeSelection {
  readonly target: TargetResolution;
  readonly perChannel: boolean;
  readonly reduceRange: boolean;
  readonly weightType: 'int8' | 'uint8';
  readonly weightSymmetric: boolean;
  readonly shareActivationQuantization: boolean;
  readonly sourceSha256: string | undefined;
}

const SELECTION_KEYS = ['includeNodes', 'excludeNodes', 'minimumWeightElements'] as const;

export function normalizeDynamicOptions(options: unknown): DynamicQuantizationSettings {
  const read = new OptionReader('quantizeDynamic', options, [
    'target',
    'perChannel',
    'reduceRange',
    'weightType',
    'weightSymmetric',
    'opTypes',
    'shareActivationQuantization',
    'sourceSha256',
    ...SELECTION_KEYS,
  ]);
  const target = readTarget(read);
  return {
    target,
    perChannel: read.boolean('perChannel', target.preset.perChannel),
    reduceRange: read.boolean('reduceRange', target.preset.reduceRange),
    weightType: read.oneOf('weightType', target.preset.weightType, ['int8', 'uint8']),
    weightSymmetric: read.boolean('weightSymmetric', true),
    shareActivationQuantization: read.boolean('shareActivationQuantization', false),
    opTypes: read.someOf<DynamicOpType>(
      'opTypes',
      ['MatMul', 'Gemm', 'Attention'],
      ['MatMul', 'Gemm', 'Conv', 'Attention'],
    ),
    ...readSelection(read),
    sourceSha256: read.sha256('sourceSha256'),
  };
}

export interface Float16Options extends RecipeSourceOptions {
  /** Keep float32 graph inputs and outputs, with Casts inside (default true). */
  keepIoTypes?: boolean;
  /** Op types kept float32, with Casts around them (default DEFAULT_FLOAT16_OP_BLOCK_LIST). */
  opBlockList?: string | readonly string[];
  /** Nodes kept float32, by name pattern. */
  nodeBlockList?: NamePatterns;
  /** Larger finite values are clamped to ±this (default 65504, the largest float16). */
  maxFiniteValue?: number;
  /** Smaller non-zero magnitudes are raised to ±this (default 1e-7, as onnxconverter-common). */
  minPositiveValue?: number;
}

/**
 * Ops kept float32 by default, for accuracy: each sums or exponentiates many values, where
 * float16's 10-bit mantissa and 65504 ceiling lose most. Pow and ReduceMean form the variance of
 * a decomposed LayerNorm (x² overflows float16 from |x| > 256, and ViT residual streams reach
 * that); Softmax and Exp overflow on large logits; the reductions accumulate over the hidden
 * size. LayerNormalization and GroupNormalization are not listed: their stash_type (float32 by
 * default) already makes them compute mean and variance in float32. Resize, Range, CumSum and
 * TopK are in onnxconverter-common's default list: their scale or index arithmetic is
 * float32-only or fragile.
 *
 * On x86 CPUs onnxruntime has float16 kernels for few ops (LayerNormalization and the data
 * movement ops); around the others it inserts Casts and computes in float32 itself, so there a
 * float16 model is smaller, not faster, and the block list only decides where the Casts go.
 */
export const DEFAULT_FLOAT16_OP_BLOCK_LIST: readonly string[] = Object.freeze([
  'Pow',
  'ReduceMean',
  'ReduceSum',
  'ReduceSumSquare',
  'ReduceL2',
  'ReduceLogSumExp',
  'Sqrt',
  'Reciprocal',
  'InstanceNormalization',
  'Softmax',
  'LogSoftmax',
  'Exp',
  'Log',
  'Resize',
  'Upsample',
  'Range',
  'CumSum',
  'TopK',
]);

export interface Float16Settings {
  readonly keepIoTypes: boolean;
  readonly opBlockList: readonly string[];
  readonly nodeBlockList: readonly RegExp[];
  readonly maxFiniteValue: number;
  readonly minPositiveValue: number;
  readonly sourceSha256: string | undefined;
}

export function normalizeFloat16Options(options: unknown): Float16Settings {
  const read = new OptionReader('convertFloat16', options, [
    'keepIoTypes',
    'opBlockList',
    'nodeBlockList',
    'maxFiniteValue',
    'minPositiveValue',
    'sourceSha256',
  ]);
  const maxFiniteValue = read.positiveNumber('maxFiniteValue', 65504, 65504);
  return {
    keepIoTypes: read.boolean('keepIoTypes', true),
    opBlockList: read.strings('opBlockList', DEFAULT_FLOAT16_OP_BLOCK_LIST),
    nodeBlockList: read.patterns('nodeBlockList'),
    maxFiniteValue,
    // Below maxFiniteValue, or clamping would make large values small.
    minPositiveValue: read.positiveNumber(
      'minPositiveValue',
      1e-7,
      Math.min(1, maxFiniteValue / 2),
    ),
    sourceSha256: read.sha256('sourceSha256'),
  };
}

export type Int4BlockSize = 32 | 64 | 128;
/** MatMulNBits accuracy_level: 0 unset, 1 fp32, 2 fp16, 3 bf16, 4 int8 compute of the activations. */
export type Int4AccuracyLevel = 0 | 1 | 2 | 3 | 4;

export interface Int4Options extends NodeSelectionOptions, RecipeSourceOptions {
  /** Weights per block along K (default 32: the most accurate of the sizes offered). */
  blockSize?: Int4BlockSize;
  /** Symmetric blocks store no zero points (default true); asymmetric adds a 4-bit zero point per block. */
  symmetric?: boolean;
  /**
   * How onnxruntime may compute with the float activations (default 4: quantize them to int8
   * per block and use the integer dot-product units). On ViT-B/16 level 4 ran 1.9× faster than
   * level 0 (float compute) with the same logit cosine to fp32, as on the tiny fixtures.
   */
  accuracyLevel?: Int4AccuracyLevel;
  /** Op types whose weights become int4 (default MatMul and Gemm). */
  opTypes?: 'MatMul' | 'Gemm' | readonly ('MatMul' | 'Gemm')[];
}

export interface Int4Settings extends NodeSelection {
  readonly blockSize: Int4BlockSize;
  readonly symmetric: boolean;
  readonly accuracyLevel: Int4AccuracyLevel;
  readonly sourceSha256: string | undefined;
}

export function normalizeInt4Options(options: unknown): Int4Settings {
  const read = new OptionReader('quantizeWeightsInt4', options, [
    'blockSize',
    'symmetric',
    'accuracyLevel',
    'opTypes',
    'sourceSha256',
    ...SELECTION_KEYS,
  ]);
  return {
    blockSize: read.oneOf<Int4BlockSize>('blockSize', 32, [32, 64, 128]),
    symmetric: read.boolean('symmetric', true),
    accuracyLevel: read.oneOf<Int4AccuracyLevel>('accuracyLevel', 4, [0, 1, 2, 3, 4]),
    opTypes: read.someOf('opTypes', ['MatMul', 'Gemm'], ['MatMul', 'Gemm']),
    ...readSelection(read),
    sourceSha256: read.sha256('sourceSha256'),
  };
}

function readSelection(read: OptionReader): Omit<NodeSelection, 'opTypes'> {
  return {
    includeNodes: read.patterns('includeNodes'),
    excludeNodes: read.patterns('excludeNodes'),
    minimumWeightElements: read.integer('minimumWeightElements', 0, 0, Number.MAX_SAFE_INTEGER),
  };
}

/** The `target` option, validated and resolved (`auto` reads this machine's CPU). */
export function readTarget(read: OptionReader): TargetResolution {
  return resolveQuantizationTarget(read.oneOf('target', 'auto', QUANTIZATION_TARGETS));
}

/**
 * Settings as plain JSON for the recipe: patterns as text, the target by the name it resolved to
 * (the recipe's `target` entry says more), the source digest left out.
 */
export function settingsForRecipe(settings: object): Record<string, unknown> {
  const json: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(settings)) {
    if (key === 'sourceSha256') continue;
    if (key === 'target') {
      json[key] = (value as TargetResolution).preset.target;
      continue;
    }
    json[key] = Array.isArray(value)
      ? value.map((item: unknown) => (item instanceof RegExp ? patternText(item) : item))
      : value;
  }
  return json;
}
