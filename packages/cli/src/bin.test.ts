import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../bin/vit-opt.js', import.meta.url));
const built = existsSync(fileURLToPath(new URL('../dist/main.js', import.meta.url)));
const fixture = fileURLToPath(
  new URL('../../../fixtures/models/vit-tiny-tv/model.onnx', import.meta.url),
);
const reason = built
  ? ''
  : ' (skipped: packages/cli/dist is not built; run `npx tsc -b packages/cli`)';

describe('the vit-opt binary', () => {
  const vitOpt = (...args: string[]) =>
    spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

  it.skipIf(!built)(`prints help and exits 0${reason}`, () => {
    const result = vitOpt('--help');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Usage: vit-opt [options] [command]');
  });

  it.skipIf(!built)(`inspects a model, and exits 2 on a usage error${reason}`, () => {
    expect(vitOpt('inspect', fixture).stdout).toMatch(/^ViT: 4 layers × 4 heads/);
    const usage = vitOpt('inspect', '--bogus', fixture);
    expect(usage.status).toBe(2);
    expect(usage.stderr.trimEnd().split('\n')).toHaveLength(2);
  });
});
