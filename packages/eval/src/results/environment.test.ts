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
});
