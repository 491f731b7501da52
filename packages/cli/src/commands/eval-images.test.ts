import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { captureIo } from '../io.js';
import { run } from '../main.js';

const repo = (path: string): string =>
  fileURLToPath(new URL(`../../../../${path}`, import.meta.url));
const model = repo('fixtures/models/vit-tiny-hf/model.onnx');
const val = repo('fixtures/data/fashion-mnist/val');

async function vitOpt(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = captureIo();
  const code = await run(args, io);
  // Progress lines aside: what is left is what the run had to say.
  const stderr = io
    .stderrText()
    .split('\n')
    .filter((line) => !/^eval \d+%/.test(line))
    .join('\n');
  return { code, stdout: io.stdoutText(), stderr };
}

/** A folder for a run's outputs, outside the image folder (which a run refuses to write in). */
const outputs = (): string => mkdtempSync(join(tmpdir(), 'vit-opt-cli-outputs-'));

/** Two classes of four real images, plus what each test adds. */
function imageFolder(): string {
  const root = mkdtempSync(join(tmpdir(), 'vit-opt-cli-images-'));
  for (const label of ['Bag', 'Coat']) {
    mkdirSync(join(root, label));
    for (const name of readdirSync(join(val, label)).slice(0, 4)) {
      copyFileSync(join(val, label, name), join(root, label, name));
    }
  }
  return root;
}

describe('vit-opt eval on broken image folders', () => {
  it('skips and counts a link to nothing, a loop of links and a FIFO without --strict; --strict stops at the first', async () => {
    const data = imageFolder();
    symlinkSync('missing.png', join(data, 'Bag', 'dangling.png'));
    symlinkSync('loop-b.png', join(data, 'Bag', 'loop-a.png'));
    symlinkSync('loop-a.png', join(data, 'Bag', 'loop-b.png'));
    execFileSync('mkfifo', [join(data, 'Coat', 'pipe.png')]);
    symlinkSync('/dev/zero', join(data, 'Coat', 'zero.png'));
    const output = join(outputs(), 'results.json');
    const result = await vitOpt('eval', model, '--data', data, '-o', output);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/on 8 images \(5 unreadable\)/);
    const failures = (
      JSON.parse(readFileSync(output, 'utf8')) as { failures: { path: string; reason: string }[] }
    ).failures;
    expect(failures.map((f) => `${f.path.slice(data.length + 1)}: ${f.reason}`)).toEqual([
      'Bag/dangling.png: cannot read file: a symbolic link to nothing (its target does not exist)',
      'Bag/loop-a.png: cannot read file: a loop of symbolic links',
      'Bag/loop-b.png: cannot read file: a loop of symbolic links',
      'Coat/pipe.png: cannot read file: is a FIFO (named pipe), not an image file',
      'Coat/zero.png: cannot read file: is a character device, not an image file',
    ]);
    const strict = await vitOpt(
      'eval',
      model,
      '--data',
      data,
      '-o',
      join(outputs(), 'strict.json'),
      '--strict',
    );
    expect(strict.code).toBe(1);
    expect(strict.stderr).toBe(
      `error: ${join(data, 'Bag', 'dangling.png')}: cannot read file: a symbolic link to nothing (its target does not exist) (--strict stops at the first bad image)\n`,
    );
  });

  it('refuses images beyond --max-image-pixels as unreadable, before decoding them', async () => {
    const data = imageFolder();
    const output = join(outputs(), 'results.json');
    const result = await vitOpt(
      'eval',
      model,
      '--data',
      data,
      '-o',
      output,
      '--max-image-pixels',
      '783',
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: .*: none of the 8 images could be read\n$/);
    const fits = await vitOpt(
      'eval',
      model,
      '--data',
      data,
      '-o',
      output,
      '--max-image-pixels',
      '784',
    );
    expect(fits.code).toBe(0);
    expect(fits.stdout).toMatch(/on 8 images \(0 unreadable\)/);
    const usage = await vitOpt(
      'eval',
      model,
      '--data',
      data,
      '-o',
      output,
      '--max-image-pixels',
      '1e6',
    );
    expect(usage.code).toBe(2);
  });

  it('refuses a manifest that lists an image twice, naming the lines, and writes nothing', async () => {
    const data = imageFolder();
    const manifest = join(data, 'list.csv');
    const [first] = readdirSync(join(data, 'Bag'));
    writeFileSync(manifest, `path,label\nBag/${first},Bag\nCoat/x.png,Coat\nBag/${first},Coat\n`);
    const output = join(data, 'results.json');
    const result = await vitOpt('eval', model, '--data', manifest, '-o', output);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `error: ${manifest}: lines 2 and 4 give the same image (Bag/${first}) different labels (Bag and Coat)\n`,
    );
    expect(() => readFileSync(output)).toThrow();
  });
});
