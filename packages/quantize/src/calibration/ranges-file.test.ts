import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ActivationRanges } from './activation-ranges.js';
import { loadRanges, saveRanges } from './ranges-file.js';

const scratch = mkdtempSync(join(tmpdir(), 'vit-opt-ranges-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const RANGES: ActivationRanges = {
  method: 'percentile',
  settings: { percentile: 99.99, symmetric: false, histogramBins: 2048, layout: { format: 'qdq' } },
  sampleCount: 200,
  tensors: { pixel_values: { min: -1, max: 1 }, '/encoder/ln/Add_1_output_0': { min: -7.25, max: 12.5 }, ['__proto__']: { min: 0, max: 1 } },
};

describe('saveRanges / loadRanges', () => {
  it('round-trips the ranges through a versioned JSON file, leaving no temp file', async () => {
    const path = join(scratch, 'ranges.json');
    saveRanges(path, RANGES);
    expect(readdirSync(scratch)).toEqual(['ranges.json']);
    const loaded = await loadRanges(path);
    expect(loaded).toEqual(RANGES);
    expect(Object.keys(loaded.tensors)).toContain('__proto__');
  });

  it('refuses files that are not ranges files, naming the file in one line', async () => {
    const write = (name: string, text: string): string => {
      const path = join(scratch, name);
      writeFileSync(path, text);
      return path;
    };
    const missing = join(scratch, 'missing.json');
    await expect(loadRanges(missing)).rejects.toMatchObject({ code: 'FILE_NOT_FOUND', subject: missing });
    const cases: [string, string, RegExp][] = [
      ['garbage.json', 'not json', /^the ranges file is not JSON/],
      ['other.json', '{"format": "something-else"}', /is not a vit-opt ranges file/],
      ['future.json', '{"format": "vit-opt.activation-ranges", "version": 2}', /has version 2; this vit-opt reads version 1/],
      [
        'bad-range.json',
        JSON.stringify({ format: 'vit-opt.activation-ranges', version: 1, method: 'minmax', sampleCount: 1, settings: {}, tensors: { x: { min: 2, max: 1 } } }),
        /invalid range for tensor 'x'/,
      ],
      [
        'bad-method.json',
        JSON.stringify({ format: 'vit-opt.activation-ranges', version: 1, method: 'mse', sampleCount: 1, settings: {}, tensors: {} }),
        /has method "mse"/,
      ],
    ];
    for (const [name, text, message] of cases) {
      const path = write(name, text);
      const error = await loadRanges(path).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'CORRUPT', subject: path, message: expect.stringMatching(message) });
      expect((error as { toOneLine(): string }).toOneLine()).not.toContain('\n');
    }
  });
});
