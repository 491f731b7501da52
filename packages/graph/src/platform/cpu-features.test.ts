import { describe, expect, it } from 'vitest';
import { readCpuInt8Capabilities } from './cpu-features.js';

const cpuinfo = (flags: string): string =>
  `processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu sse2 ${flags}\n\nprocessor\t: 1\nflags\t\t: fpu\n`;

describe('readCpuInt8Capabilities', () => {
  it.each([
    ['avx avx2 fma', 'avx2', true],
    ['avx2 avx512f avx512bw avx512vl', 'avx512', true],
    ['avx2 avx512f avx512bw avx512_vnni', 'avx512-vnni', false],
    ['avx2 avx_vnni', 'avx-vnni', false],
    ['avx2 avx512bw avx512_vnni amx_tile amx_int8 amx_bf16', 'amx', false],
    ['sse4_1', 'x86', true],
  ])('reads the first processor’s flags "%s" as %s (pairs saturate: %s)', (flags, isa, saturate) => {
    const cpu = readCpuInt8Capabilities({ cpuinfo: cpuinfo(flags), env: {}, arch: 'x64' });
    expect(cpu).toMatchObject({ isa, u8s8PairsSaturate: saturate, source: '/proc/cpuinfo' });
    expect(cpu.flags.every((flag) => flags.split(' ').includes(flag))).toBe(true);
  });

  it('treats every 64-bit Arm CPU as exact (NEON widening or dot-product kernels)', () => {
    const text = 'processor\t: 0\nFeatures\t: fp asimd asimddp i8mm\n';
    expect(readCpuInt8Capabilities({ cpuinfo: text, env: {}, arch: 'arm64' })).toMatchObject({
      isa: 'arm64',
      flags: ['asimd', 'asimddp', 'i8mm'],
      u8s8PairsSaturate: false,
    });
  });

  it('takes VIT_OPT_CPU_FLAGS over /proc/cpuinfo, for emulators that pass the host’s file through', () => {
    const cpu = readCpuInt8Capabilities({
      cpuinfo: cpuinfo('avx2 avx512bw avx512_vnni amx_tile amx_int8'),
      env: { VIT_OPT_CPU_FLAGS: 'avx,avx2 fma' },
      arch: 'x64',
    });
    expect(cpu).toMatchObject({ isa: 'avx2', source: 'VIT_OPT_CPU_FLAGS', flags: ['avx', 'avx2', 'fma'] });
  });

  it('refuses a misspelt override flag, naming the variable and the flag', () => {
    expect(() => readCpuInt8Capabilities({ env: { VIT_OPT_CPU_FLAGS: 'avx2 avx512vnni' }, arch: 'x64' })).toThrow(
      /VIT_OPT_CPU_FLAGS|'avx512vnni'/,
    );
  });

  it('says when there is nothing to read', () => {
    expect(readCpuInt8Capabilities({ cpuinfo: '', env: {}, arch: 'x64' })).toMatchObject({ isa: 'x86', flags: [] });
  });
});
