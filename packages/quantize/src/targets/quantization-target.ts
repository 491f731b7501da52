import {
  readCpuInt8Capabilities,
  type CpuFeatureSource,
  type CpuInt8Capabilities,
  type Int8Isa,
} from '@vit-opt/graph';

/**
 * The CPU a quantized model is made for. A model is often quantized on one machine (CI) and
 * served on another, so this is a choice, with `auto` (this machine) as the default.
 */
export type QuantizationTarget =
  | 'auto'
  | 'portable'
  | 'avx2'
  | 'avx512'
  | 'avx-vnni'
  | 'avx512-vnni'
  | 'amx'
  | 'arm64';

export const QUANTIZATION_TARGETS: readonly QuantizationTarget[] = Object.freeze([
  'auto',
  'portable',
  'avx2',
  'avx512',
  'avx-vnni',
  'avx512-vnni',
  'amx',
  'arm64',
]);

export type ResolvedTarget = Exclude<QuantizationTarget, 'auto'>;

/**
 * What a target fixes in int8 models; explicit options override each. Activations are always
 * uint8 in dynamic mode (DynamicQuantizeLinear makes uint8 only); static models are QDQ for
 * every target, the form onnxruntime fuses on x86 and Arm alike.
 */
export interface TargetPreset {
  readonly target: ResolvedTarget;
  readonly weightType: 'int8' | 'uint8';
  /** 7-bit weights: the products of a pair then fit int16. */
  readonly reduceRange: boolean;
  /** One weight scale per output channel, in both modes. */
  readonly perChannel: boolean;
  readonly staticActivationType: 'uint8' | 'int8';
  /** Why these settings, for the recipe and --help. */
  readonly reason: string;
}

const FULL_RANGE_S8 = {
  weightType: 'int8',
  reduceRange: false,
  perChannel: true,
  staticActivationType: 'uint8',
} as const;

const SEVEN_BIT_S8 = { ...FULL_RANGE_S8, reduceRange: true } as const;

/**
 * One preset per instruction family. The choices are measured (BENCHMARKS.md, "int8 targets"):
 * full-range s8 weights are the most accurate wherever u8×s8 products accumulate exactly; where
 * VPMADDUBSW sums pairs into int16 (no VNNI), 7-bit weights keep every pair in range and keep
 * the fast u8×s8 kernels (u8 weights ran ViT-B/16 at 1.0× fp32 on AMX against 3.1× for s8,
 * s8 activations at 0.23×). Per-channel weights in both modes: lower KL to fp32 than per-tensor on both fixtures,
 * the same speed.
 */
const PRESETS: Readonly<Record<ResolvedTarget, TargetPreset>> = {
  portable: {
    target: 'portable',
    ...SEVEN_BIT_S8,
    reason: '7-bit s8 weights: exact on every x86 and Arm CPU, int16 pair sums included',
  },
  avx2: {
    target: 'avx2',
    ...SEVEN_BIT_S8,
    reason: 'no VNNI: VPMADDUBSW saturates full-range u8×s8 pairs, 7-bit weights fit',
  },
  avx512: {
    target: 'avx512',
    ...SEVEN_BIT_S8,
    reason: 'AVX-512 without VNNI: VPMADDUBSW saturates full-range u8×s8 pairs, 7-bit weights fit',
  },
  'avx-vnni': {
    target: 'avx-vnni',
    ...FULL_RANGE_S8,
    reason: 'AVX-VNNI: VPDPBUSD accumulates u8×s8 in int32, full-range s8 weights are exact',
  },
  'avx512-vnni': {
    target: 'avx512-vnni',
    ...FULL_RANGE_S8,
    reason: 'AVX-512 VNNI: VPDPBUSD accumulates u8×s8 in int32, full-range s8 weights are exact',
  },
  amx: {
    target: 'amx',
    ...FULL_RANGE_S8,
    reason: 'AMX (and AVX-512 VNNI): int32 accumulation, full-range s8 weights are exact',
  },
  arm64: {
    target: 'arm64',
    ...FULL_RANGE_S8,
    reason: 'Arm64: NEON widening multiplies or SDOT/UDOT accumulate exactly',
  },
};

/** The target an instruction family gets when `auto` finds it. */
const TARGET_OF_ISA: Readonly<Record<Int8Isa, ResolvedTarget>> = {
  amx: 'amx',
  'avx512-vnni': 'avx512-vnni',
  'avx-vnni': 'avx-vnni',
  avx512: 'avx512',
  avx2: 'avx2',
  x86: 'portable',
  arm64: 'arm64',
  unknown: 'portable',
};

/** What `auto` read, for the recipe and the CLI's summary. */
export interface TargetDetection {
  readonly source: CpuFeatureSource;
  readonly arch: string;
  readonly isa: Int8Isa;
  readonly flags: readonly string[];
}

export interface TargetResolution {
  readonly requested: QuantizationTarget;
  readonly preset: TargetPreset;
  /** Present when `auto` looked at this machine. */
  readonly detected?: TargetDetection;
}

/** The preset for `target`; `auto` reads this machine's CPU (or the given capabilities). */
export function resolveQuantizationTarget(
  target: QuantizationTarget,
  cpu?: CpuInt8Capabilities,
): TargetResolution {
  if (target !== 'auto') return { requested: target, preset: PRESETS[target] };
  const found = cpu ?? readCpuInt8Capabilities();
  return {
    requested: target,
    preset: PRESETS[TARGET_OF_ISA[found.isa]],
    detected: { source: found.source, arch: found.arch, isa: found.isa, flags: found.flags },
  };
}

/** The preset of a named target. */
export function targetPreset(target: ResolvedTarget): TargetPreset {
  return PRESETS[target];
}

/** The recipe's account of the target: which one, and what `auto` found. */
export function targetForRecipe(resolution: TargetResolution): Record<string, unknown> {
  return {
    requested: resolution.requested,
    resolved: resolution.preset.target,
    reason: resolution.preset.reason,
    ...(resolution.detected === undefined ? {} : { detected: resolution.detected }),
  };
}
