import { describe, expect, it } from 'vitest';
import { readCpuInt8Capabilities } from '@vit-opt/graph';
import { normalizeDynamicOptions } from '../options/mode-options.js';
import { normalizeStaticOptions } from '../static/static-options.js';
import { QUANTIZATION_TARGETS, resolveQuantizationTarget, targetPreset, type ResolvedTarget } from './quantization-target.js';

const cpuWith = (flags: string, arch = 'x64') => readCpuInt8Capabilities({ env: { VIT_OPT_CPU_FLAGS: flags }, arch });

describe('quantization targets', () => {
  it.each([
    ['avx avx2 fma', 'avx2'],
    ['avx2 avx512f avx512bw', 'avx512'],
    ['avx2 avx_vnni', 'avx-vnni'],
    ['avx2 avx512bw avx512_vnni', 'avx512-vnni'],
    ['avx2 avx512bw avx512_vnni amx_tile amx_int8', 'amx'],
    ['f16c', 'portable'],
  ])('auto on a CPU with "%s" is %s, and says what it read', (flags, target) => {
    const resolution = resolveQuantizationTarget('auto', cpuWith(flags));
    expect(resolution.preset.target).toBe(target);
    expect(resolution.detected).toMatchObject({ source: 'VIT_OPT_CPU_FLAGS', arch: 'x64' });
    expect(resolution.detected!.flags.join(' ')).toBe(flags);
  });

  it('auto on Arm64 is arm64', () => {
    expect(resolveQuantizationTarget('auto', cpuWith('asimd asimddp', 'arm64')).preset.target).toBe('arm64');
  });

  it('keeps every pair of u8×s8 products within int16 wherever the kernels sum pairs in int16', () => {
    for (const target of QUANTIZATION_TARGETS.filter((t) => t !== 'auto') as ResolvedTarget[]) {
      const preset = targetPreset(target);
      const pairsSaturate = ['avx2', 'avx512'].includes(target);
      const exactEverywhere = target === 'portable';
      if (pairsSaturate || exactEverywhere) expect(preset.reduceRange || preset.weightType === 'uint8').toBe(true);
      // 7-bit: 2 × 255 × 64 = 32,640 ≤ 32,767.
      if (preset.reduceRange) expect(2 * 255 * 64).toBeLessThanOrEqual(32767);
      expect(preset.reason).not.toBe('');
    }
  });

  it('is the default of both int8 modes, and explicit options win over its choices', () => {
    const avx2 = normalizeDynamicOptions({ target: 'avx2' });
    expect(avx2).toMatchObject({ reduceRange: true, weightType: 'int8' });
    expect(normalizeDynamicOptions({ target: 'avx2', reduceRange: false }).reduceRange).toBe(false);
    expect(normalizeStaticOptions({ target: 'amx' })).toMatchObject({ reduceRange: false, perChannel: true, activationType: 'uint8' });
    expect(normalizeStaticOptions({ target: 'amx', weightType: 'uint8' }).weightType).toBe('uint8');
    expect(normalizeDynamicOptions({}).target.requested).toBe('auto');
  });

  it('names the option and the targets when the target is unknown', () => {
    expect(() => normalizeDynamicOptions({ target: 'avx512vnni' })).toThrow(
      /option 'target' must be one of auto, portable, avx2, avx512, avx-vnni, avx512-vnni, amx, arm64, got "avx512vnni"/,
    );
  });
});
