/// <reference lib="dom" />
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// The README's main job, as a user runs it: the built binary on the committed example pipeline,
// then its report.html in Debian's Chromium with the network off.

const repo = fileURLToPath(new URL('..', import.meta.url));
const pipelineFile = join(repo, 'examples/vit-tiny/pipeline.yaml');
const bin = join(repo, 'packages/cli/bin/vit-opt.js');
const chromiumPath = process.env['VIT_OPT_CHROMIUM'] ?? '/usr/bin/chromium';
const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const isLocal = (url: string): boolean => url.startsWith('file:') || url.startsWith('data:');

/** Aborts every request that is not file: or data:, and records each one that was attempted. */
async function networkOff(context: BrowserContext): Promise<Set<string>> {
  const attempted = new Set<string>();
  await context.setOffline(true);
  context.on('request', (request) => {
    if (!isLocal(request.url())) attempted.add(request.url());
  });
  context.on('page', (page) => page.on('websocket', (socket) => attempted.add(socket.url())));
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (isLocal(url)) return route.continue();
    attempted.add(url);
    return route.abort('blockedbyclient');
  });
  return attempted;
}

describe('npm run example, its report in a headless browser', () => {
  let outDir: string;
  let profileDir: string;
  let context: BrowserContext;
  let variants: string[];

  beforeAll(async () => {
    if (!existsSync(bin.replace(/bin[/\\]vit-opt\.js$/, 'dist/main.js'))) {
      throw new Error(
        'packages/cli/dist is missing: run `npm ci` (or `npx tsc -b packages/cli`) first',
      );
    }
    if (!existsSync(chromiumPath)) {
      throw new Error(
        `no Chromium at ${chromiumPath}: apt-get install chromium (or set VIT_OPT_CHROMIUM)`,
      );
    }
    const pipeline = parse(await readFile(pipelineFile, 'utf8')) as {
      variants: { name: string }[];
    };
    variants = pipeline.variants.map((v) => v.name);
    outDir = await mkdtemp(join(tmpdir(), 'vit-opt-e2e-out-'));
    profileDir = await mkdtemp(join(tmpdir(), 'vit-opt-e2e-chromium-'));
    await promisify(execFile)(process.execPath, [bin, 'run', pipelineFile, '-o', outDir], {
      cwd: repo,
      maxBuffer: 16 << 20,
    });
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: chromiumPath,
      headless: true,
      args: chromiumArgs,
      offline: true,
    });
  });

  afterAll(async () => {
    await context?.close();
    for (const dir of [outDir, profileDir])
      if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('writes report.html, summary.md with a row per variant, and the charts as PNG files', async () => {
    const report = join(outDir, 'report');
    expect(existsSync(join(report, 'report.html'))).toBe(true);
    const summary = await readFile(join(report, 'summary.md'), 'utf8');
    const rows = summary
      .split('\n')
      .filter((line) => line.startsWith('| ') && !line.startsWith('| variant'));
    expect(rows).toHaveLength(variants.length);
    const charts = (await readdir(join(report, 'charts'))).filter((f) => f.endsWith('.png'));
    // size, latency, accuracy, top-1 change, accuracy vs latency, per-class change, thread sweep
    // (the example benchmarks 1 and 2 threads), and a confusion matrix per variant.
    expect(charts).toHaveLength(7 + variants.length);
    for (const chart of charts) {
      const bytes = await readFile(join(report, 'charts', chart));
      expect(bytes.subarray(0, 8).toString('hex'), chart).toBe('89504e470d0a1a0a');
    }
  });

  it('opens report.html offline: every chart loads, the table has a row per variant, nothing is fetched', async () => {
    const attempted = await networkOff(context);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    const response = await page.goto(pathToFileURL(join(outDir, 'report', 'report.html')).href, {
      waitUntil: 'load',
    });
    expect(response?.ok() ?? true).toBe(true);

    const images = await page.$$eval('img', (imgs) =>
      Promise.all(
        imgs.map(async (img) => ({
          alt: img.alt,
          png: img.currentSrc.startsWith('data:image/png;base64,'),
          decoded: await img.decode().then(
            () => true,
            () => false,
          ),
          width: img.naturalWidth,
          height: img.naturalHeight,
        })),
      ),
    );
    const charts = (await readdir(join(outDir, 'report', 'charts'))).filter((f) =>
      f.endsWith('.png'),
    );
    expect(images).toHaveLength(charts.length);
    for (const image of images) {
      expect(image, image.alt).toMatchObject({ png: true, decoded: true });
      expect(image.width, image.alt).toBeGreaterThan(0);
      expect(image.height, image.alt).toBeGreaterThan(0);
    }

    const rows = await page.$$eval('#variants-table tbody tr', (trs) =>
      trs.map((tr) => tr.querySelector('td')?.textContent?.trim() ?? ''),
    );
    expect(rows).toHaveLength(variants.length);
    expect(rows.map((text) => text.split(' ')[0])).toEqual(variants);

    expect(errors).toEqual([]);
    expect([...attempted]).toEqual([]);
    await page.close();
  });

  it('the network guard would have seen a request leave the page', async () => {
    // Without this, "nothing was fetched" could pass because the guard sees nothing at all.
    const attempted = await networkOff(context);
    const page = await context.newPage();
    await page.setContent('<img src="http://127.0.0.1:9/probe.png">', { waitUntil: 'load' });
    expect([...attempted]).toEqual(['http://127.0.0.1:9/probe.png']);
    await page.close();
  });
});
