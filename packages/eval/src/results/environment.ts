import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, availableParallelism, cpus, platform, release, totalmem } from 'node:os';
import { readCpuInt8Capabilities } from '@vit-opt/graph';
import { int8KernelWarning } from './int8-kernels.js';
import type { EnvironmentDescription, ModelDescription } from './results-document.js';

/**
 * The machine and software a run measured on, with a warning for each of `models` (the candidate
 * and its baseline) whose int8 layout this CPU's kernels compute differently from its target's.
 */
export function captureEnvironment(models: readonly ModelDescription[] = []): EnvironmentDescription {
  const cpu = readCpuInt8Capabilities();
  const warnings = models.map((model) => int8KernelWarning(model, cpu)).filter((w) => w !== undefined);
  return {
    cpu_model: cpus()[0]?.model.trim() ?? '',
    cpu_features: [...cpu.flags],
    int8_isa: cpu.isa,
    cpu_features_source: cpu.source,
    warnings,
    logical_cores: availableParallelism(),
    total_memory_bytes: totalmem(),
    os: { platform: platform(), release: release(), arch: arch() },
    node_version: process.versions.node,
    onnxruntime_version: onnxruntimeVersion(),
    vit_opt_version: vitOptVersion(),
  };
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
