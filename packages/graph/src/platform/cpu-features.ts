import { readFileSync } from 'node:fs';
import { arch as processArch } from 'node:os';
import { VitOptError } from '../errors.js';

/**
 * The CPU features that decide which onnxruntime (MLAS) kernels run, and so how fast fp32 and
 * especially int8 models are and even what int8 computes: x86 AVX2/AVX-512/VNNI/AMX, Arm dot
 * product, i8mm, bf16, SVE. Named as Linux's /proc/cpuinfo names them.
 */
export const KERNEL_CPU_FEATURES: readonly string[] = Object.freeze([
  'avx',
  'avx2',
  'fma',
  'f16c',
  'avx512f',
  'avx512bw',
  'avx512vl',
  'avx512_vnni',
  'avx_vnni',
  'avx512_bf16',
  'avx512_fp16',
  'amx_tile',
  'amx_int8',
  'amx_bf16',
  'asimd',
  'asimddp',
  'i8mm',
  'bf16',
  'sve',
]);

/**
 * The int8 instruction family onnxruntime's integer GEMMs use on a CPU, best first:
 * - amx: AMX tiles (TDPBUSD), int32 accumulation.
 * - avx512-vnni, avx-vnni: VPDPBUSD (512- or 256-bit), int32 accumulation.
 * - avx512, avx2, x86: VPMADDUBSW, which sums each pair of u8×s8 products into a saturating
 *   int16 before widening.
 * - arm64: NEON widening multiplies or UDOT/SDOT, exact.
 */
export type Int8Isa = 'amx' | 'avx512-vnni' | 'avx-vnni' | 'avx512' | 'avx2' | 'x86' | 'arm64' | 'unknown';

/** Where the flags came from: the override variable wins over the kernel's report. */
export type CpuFeatureSource = 'VIT_OPT_CPU_FLAGS' | '/proc/cpuinfo' | 'none';

export interface CpuInt8Capabilities {
  /** Node's name of the architecture (x64, arm64, …). */
  readonly arch: string;
  /** The KERNEL_CPU_FEATURES present, in that list's order. */
  readonly flags: readonly string[];
  readonly source: CpuFeatureSource;
  readonly isa: Int8Isa;
  /**
   * Whether a u8 activation × s8 weight product with full-range weights can overflow here: two
   * adjacent products 255 × −128 sum to −65,280, far outside int16, and VPMADDUBSW clips the sum
   * to −32,768. 7-bit weights (reduce range) or u8 weights (u8×u8 widens to int32) avoid it.
   */
  readonly u8s8PairsSaturate: boolean;
}

/** The environment variable that replaces /proc/cpuinfo's flags (space- or comma-separated). */
export const CPU_FLAGS_VARIABLE = 'VIT_OPT_CPU_FLAGS';

export interface ReadCpuOptions {
  /** Text in /proc/cpuinfo's format (default: the file, when there is one). */
  readonly cpuinfo?: string;
  /** Default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Default os.arch(). */
  readonly arch?: string;
}

/**
 * This machine's int8-relevant CPU features and what they mean for int8 kernels. An emulator
 * (qemu-user with -cpu Haswell) passes the host's /proc/cpuinfo through while the program sees
 * the emulated CPU's CPUID; VIT_OPT_CPU_FLAGS then says what the emulated CPU has.
 */
export function readCpuInt8Capabilities(options: ReadCpuOptions = {}): CpuInt8Capabilities {
  const env = options.env ?? process.env;
  const arch = options.arch ?? processArch();
  const override = env[CPU_FLAGS_VARIABLE];
  let source: CpuFeatureSource;
  let present: Set<string>;
  if (override !== undefined && override.trim() !== '') {
    source = CPU_FLAGS_VARIABLE;
    present = new Set(override.trim().split(/[\s,]+/));
    const unknown = [...present].filter((flag) => !KERNEL_CPU_FEATURES.includes(flag));
    if (unknown.length > 0) {
      throw new VitOptError(
        'INVALID_ARGUMENT',
        `unknown CPU flag ${unknown.map((f) => `'${f}'`).join(', ')}; known: ${KERNEL_CPU_FEATURES.join(' ')}`,
        { subject: CPU_FLAGS_VARIABLE },
      );
    }
  } else {
    const text = options.cpuinfo ?? readCpuinfo();
    source = text === undefined ? 'none' : '/proc/cpuinfo';
    // x86 lists them as "flags", Arm as "Features"; the first processor speaks for all.
    const line = text === undefined ? '' : (/^(?:flags|Features)\s*:(.*)$/m.exec(text)?.[1] ?? '');
    present = new Set(line.trim().split(/\s+/));
  }
  const flags = KERNEL_CPU_FEATURES.filter((feature) => present.has(feature));
  const isa = int8IsaOf(flags, arch);
  return { arch, flags, source, isa, u8s8PairsSaturate: pairsSaturate(isa) };
}

/** The int8 instruction family of a CPU with these flags. */
export function int8IsaOf(flags: Iterable<string>, arch: string): Int8Isa {
  const has = new Set(flags);
  if (arch === 'arm64') return 'arm64';
  if (arch !== 'x64' && arch !== 'ia32') return 'unknown';
  if (has.has('amx_int8') && has.has('amx_tile')) return 'amx';
  if (has.has('avx512_vnni')) return 'avx512-vnni';
  if (has.has('avx_vnni')) return 'avx-vnni';
  if (has.has('avx512bw')) return 'avx512';
  if (has.has('avx2')) return 'avx2';
  return 'x86';
}

/** Whether u8×s8 products are summed pairwise into a saturating int16 on this family. */
export function pairsSaturate(isa: Int8Isa): boolean {
  return isa === 'avx512' || isa === 'avx2' || isa === 'x86';
}

function readCpuinfo(): string | undefined {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return undefined;
  }
}
