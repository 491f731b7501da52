import { VitOptError } from '@vit-opt/graph';
import {
  readTarget,
  type NodeSelection,
  type NodeSelectionOptions,
  type RecipeSourceOptions,
  type TargetOptions,
} from '../options/mode-options.js';
import { OptionReader } from '../options/option-readers.js';
import type { TargetResolution } from '../targets/quantization-target.js';

export type StaticOpType = 'MatMul' | 'Gemm' | 'Conv' | 'Attention';
export type QuantizedModelFormat = 'qdq' | 'qoperator';
export type ActivationElementType = 'uint8' | 'int8';
export type WeightElementType = 'int8' | 'uint8';

/**
 * What decides which tensors get quantized. calibrate and quantizeStatic take the same layout
 * options, so the ranges cover exactly the tensors the rewrite needs.
 */
export interface StaticLayoutOptions extends NodeSelectionOptions {
  /**
   * Op types whose constant weight is quantized (default all: the patch-embedding Conv too, and
   * the com.microsoft Attention fuseTransformer makes, which becomes QAttention).
   */
  opTypes?: StaticOpType | readonly StaticOpType[];
  /**
   * 'qdq' (default): QuantizeLinear/DequantizeLinear pairs around float ops, which onnxruntime's
   * CPU provider fuses into integer kernels. 'qoperator': QLinearMatMul, QLinearConv,
   * QuantizeLinear and DequantizeLinear written out, for runtimes that do not fuse QDQ.
   */
  format?: QuantizedModelFormat;
  /**
   * Quantize the MatMuls between two activations (attention scores Q·Kᵀ and the weighted sum
   * P·V) too, with 8-bit inputs. Default false: kept float, the logits' mean KL to fp32 on the
   * tiny fixtures is 20–25% lower (1.7e-4 against 2.2e-4) and ViT-B/16 ran as fast either way on
   * AMX (BENCHMARKS.md, "int8 targets"); the Softmax output P, mostly tiny probabilities, loses
   * most in 8 bits. True quantizes P as the MatMul's input, the Softmax itself staying float.
   */
  quantizeActivationMatMuls?: boolean;
}

export interface StaticQuantizationOptions
  extends StaticLayoutOptions, RecipeSourceOptions, TargetOptions {
  /** One weight scale per output channel (default: the target's, true for every target). */
  perChannel?: boolean;
  /**
   * Element type of the activations (default: the target's, uint8 for every target: what
   * onnxruntime's x86 integer kernels take).
   */
  activationType?: ActivationElementType;
  /** Element type of the weights (default: the target's, int8, symmetric). */
  weightType?: WeightElementType;
  /**
   * 7-bit weights, for CPUs without VNNI where pairs of full-range u8×s8 products saturate int16
   * (default: the target's; true for avx2, avx512 and portable).
   */
  reduceRange?: boolean;
  /** Activation ranges made symmetric around 0 (default false: [min, max] uses every level). */
  activationSymmetric?: boolean;
}

export interface StaticLayoutSettings extends NodeSelection {
  readonly opTypes: StaticOpType[];
  readonly format: QuantizedModelFormat;
  readonly quantizeActivationMatMuls: boolean;
}

export interface StaticQuantizationSettings extends StaticLayoutSettings {
  readonly target: TargetResolution;
  readonly perChannel: boolean;
  readonly activationType: ActivationElementType;
  readonly weightType: WeightElementType;
  readonly reduceRange: boolean;
  readonly activationSymmetric: boolean;
  readonly sourceSha256: string | undefined;
}

export const LAYOUT_OPTION_KEYS: readonly string[] = [
  'opTypes',
  'format',
  'quantizeActivationMatMuls',
  'includeNodes',
  'excludeNodes',
  'minimumWeightElements',
];

/** The layout options of `read`'s object, validated, with their defaults. */
export function readLayoutOptions(read: OptionReader): StaticLayoutSettings {
  return {
    opTypes: read.someOf<StaticOpType>(
      'opTypes',
      ['MatMul', 'Gemm', 'Conv', 'Attention'],
      ['MatMul', 'Gemm', 'Conv', 'Attention'],
    ),
    format: read.oneOf<QuantizedModelFormat>('format', 'qdq', ['qdq', 'qoperator']),
    quantizeActivationMatMuls: read.boolean('quantizeActivationMatMuls', false),
    includeNodes: read.patterns('includeNodes'),
    excludeNodes: read.patterns('excludeNodes'),
    minimumWeightElements: read.integer('minimumWeightElements', 0, 0, Number.MAX_SAFE_INTEGER),
  };
}

export function normalizeStaticOptions(options: unknown): StaticQuantizationSettings {
  const read = new OptionReader('quantizeStatic', options, [
    ...LAYOUT_OPTION_KEYS,
    'target',
    'perChannel',
    'activationType',
    'weightType',
    'reduceRange',
    'activationSymmetric',
    'sourceSha256',
  ]);
  const target = readTarget(read);
  const { preset } = target;
  const settings: StaticQuantizationSettings = {
    ...readLayoutOptions(read),
    target,
    perChannel: read.boolean('perChannel', preset.perChannel),
    activationType: read.oneOf<ActivationElementType>('activationType', preset.staticActivationType, ['uint8', 'int8']),
    weightType: read.oneOf<WeightElementType>('weightType', preset.weightType, ['int8', 'uint8']),
    reduceRange: read.boolean('reduceRange', preset.reduceRange),
    activationSymmetric: read.boolean('activationSymmetric', false),
    sourceSha256: read.sha256('sourceSha256'),
  };
  // QLinearMatMul and QLinearConv take int8 activations only with int8 weights.
  if (settings.activationType === 'int8' && settings.weightType === 'uint8') {
    throw new VitOptError(
      'INVALID_ARGUMENT',
      "quantizeStatic option 'weightType' must be int8 when activationType is int8 (the integer kernels take s8×s8 or u8×s8/u8×u8)",
      { subject: 'weightType' },
    );
  }
  return settings;
}
