import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, availableParallelism, cpus, platform, release, totalmem } from 'node:os';
import type { EnvironmentDescription } from './results-document.js';

/**
 * CPU features that decide which onnxruntime (MLAS) kernels run, and so how fast fp32 and
 * especially int8 models are: x86 AVX2/AVX-512/VNNI/AMX, Arm dot product, i8mm, bf16, SVE.
 * Named as Linux's /proc/cpuinfo names them.
 */
const KERNEL_CPU_FEATURES = [
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
];

/** The machine and software a run measured on. */
export function captureEnvironment(): EnvironmentDescription {
  return {
    cpu_model: cpus()[0]?.model.trim() ?? '',
    cpu_features: readCpuFeatures(),
    logical_cores: availableParallelism(),
    total_memory_bytes: totalmem(),
    os: { platform: platform(), release: release(), arch: arch() },
    node_version: process.versions.node,
    onnxruntime_version: onnxruntimeVersion(),
    vit_opt_version: vitOptVersion(),
  };
}

function readCpuFeatures(): string[] {
  let cpuinfo: string;
  try {
    cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return [];
  }
  // x86 lists them as "flags", Arm as "Features"; the first processor speaks for all.
  const line = /^(?:flags|Features)\s*:(.*)$/m.exec(cpuinfo)?.[1] ?? '';
  const present = new Set(line.trim().split(/\s+/));
  return KERNEL_CPU_FEATURES.filter((feature) => present.has(feature));
}

/**
 * Read from onnxruntime-node's package.json rather than its `env.versions`, so that reading or
 * writing results (the report package does) never loads the native runtime.
 */
function onnxruntimeVersion(): string {
  const require = createRequire(import.meta.url);
  return (require('onnxruntime-node/package.json') as { version: string }).version;
}

/** vit-opt's packages share one version; this package's stands for it. */
function vitOptVersion(): string {
  const packageJson = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;
}
