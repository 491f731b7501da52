import { describe, expect, it } from 'vitest';
import { captureEnvironment } from './environment.js';

describe('captureEnvironment', () => {
  it('describes the machine and the software versions', () => {
    const environment = captureEnvironment();
    expect(environment.logical_cores).toBeGreaterThanOrEqual(1);
    expect(environment.total_memory_bytes).toBeGreaterThan(0);
    expect(environment.node_version).toBe(process.versions.node);
    expect(environment.onnxruntime_version).toMatch(/^1\.30\./);
    expect(environment.vit_opt_version).toMatch(/^\d+\.\d+\.\d+/);
    expect(environment.os.platform).toBe(process.platform);
  });

  it('lists only CPU features that choose onnxruntime kernels', () => {
    for (const feature of captureEnvironment().cpu_features) {
      expect(feature).toMatch(/^(avx|fma|f16c|amx|asimd|i8mm|bf16|sve)/);
    }
  });

  it('names the int8 instruction family, and warns about an int8 model this CPU computes differently from its target', () => {
    const saved = process.env.VIT_OPT_CPU_FLAGS;
    process.env.VIT_OPT_CPU_FLAGS = 'avx avx2 fma';
    try {
      const int8 = { path: 'int8.onnx', sha256: '', size_bytes: 1, external_data: [], parameter_count: 1, recipe: { mode: 'dynamic', options: { target: 'amx' } } };
      const environment = captureEnvironment([int8, { ...int8, path: 'fp32.onnx', recipe: null }]);
      expect(environment).toMatchObject({ int8_isa: 'avx2', cpu_features_source: 'VIT_OPT_CPU_FLAGS', cpu_features: ['avx', 'avx2', 'fma'] });
      expect(environment.warnings).toHaveLength(1);
      expect(environment.warnings![0]).toMatch(/^int8\.onnx: this CPU \(avx2, no VNNI\) clips/);
    } finally {
      if (saved === undefined) delete process.env.VIT_OPT_CPU_FLAGS;
      else process.env.VIT_OPT_CPU_FLAGS = saved;
    }
  });
});
