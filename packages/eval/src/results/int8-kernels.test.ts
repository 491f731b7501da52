import { describe, expect, it } from 'vitest';
import { readCpuInt8Capabilities } from '@vit-opt/graph';
import { int8KernelWarning } from './int8-kernels.js';
import type { ModelDescription } from './results-document.js';

const cpuWith = (flags: string) => readCpuInt8Capabilities({ env: { VIT_OPT_CPU_FLAGS: flags }, arch: 'x64' });
const avx2 = cpuWith('avx avx2 fma');
const vnni = cpuWith('avx2 avx512bw avx512_vnni');

const model = (recipe: Record<string, unknown> | null): ModelDescription => ({
  path: '/models/vit/model-int8.onnx',
  sha256: '0'.repeat(64),
  size_bytes: 1,
  external_data: [],
  parameter_count: 1,
  recipe,
});

describe('int8KernelWarning', () => {
  it('warns on a CPU without VNNI about a model with full-range s8 weights, naming the model, the target and what to do', () => {
    const warning = int8KernelWarning(model({ mode: 'dynamic', options: { target: 'amx', weightType: 'int8', reduceRange: false } }), avx2);
    expect(warning).toBe(
      "model-int8.onnx: this CPU (avx2, no VNNI) clips pairs of u8×s8 products to int16, and the model was quantized with full-range int8 weights for target 'amx': its accuracy here is lower than on that CPU; quantize with --target avx2 to measure this one",
    );
  });

  it('warns about static u8×s8 models and recipes older than the target option alike', () => {
    expect(int8KernelWarning(model({ mode: 'static', options: { activationType: 'uint8', weightType: 'int8' } }), avx2)).toContain('a CPU with VNNI');
    expect(int8KernelWarning(model({ mode: 'dynamic', options: {} }), avx2)).toBeDefined();
  });

  it('is silent where nothing is clipped: VNNI CPUs, 7-bit or u8 weights, s8 activations, float and weight-only models', () => {
    const fullRange = model({ mode: 'dynamic', options: { target: 'amx' } });
    expect(int8KernelWarning(fullRange, vnni)).toBeUndefined();
    expect(int8KernelWarning(model({ mode: 'dynamic', options: { reduceRange: true } }), avx2)).toBeUndefined();
    expect(int8KernelWarning(model({ mode: 'static', options: { weightType: 'uint8' } }), avx2)).toBeUndefined();
    expect(int8KernelWarning(model({ mode: 'static', options: { activationType: 'int8' } }), avx2)).toBeUndefined();
    expect(int8KernelWarning(model({ mode: 'int4', options: {} }), avx2)).toBeUndefined();
    expect(int8KernelWarning(model(null), avx2)).toBeUndefined();
  });
});
