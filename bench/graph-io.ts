/**
 * ViT-B/16 model IO: load time against a plain read of the file, save time, and the peak RSS of
 * `vit-opt inspect` (a separate process, measured by GNU time).
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel, saveModel } from '@vit-opt/graph';
import { interleaved, machine, median, mib, requireVitBase, runMeasuredChild } from './common.js';

const path = requireVitBase(process.argv[2]);
const rounds = Number(process.env.ROUNDS ?? 7);
const fileBytes = statSync(path).size;
console.log(`model: ${path} (${mib(fileBytes)})`);
console.log(`machine: ${machine()}`);

readFileSync(path); // warm the page cache so both variants read from memory
const times = await interleaved(rounds, {
  read: () => readFileSync(path),
  load: () => loadModel(path),
});
const readMs = median(times.read);
const loadMs = median(times.load);
console.log(`read file   median ${readMs.toFixed(1)} ms over ${rounds} rounds`);
console.log(
  `loadModel   median ${loadMs.toFixed(1)} ms  (${(loadMs / readMs).toFixed(2)}× the read; target ≤ 2×)`,
);

const dir = mkdtempSync(join(tmpdir(), 'vit-opt-bench-'));
const model = loadModel(path);
const saveTimes = (
  await interleaved(Math.max(3, rounds >> 1), {
    save: () => saveModel(model, join(dir, 'out.onnx')),
  })
).save;
console.log(
  `saveModel   median ${median(saveTimes).toFixed(1)} ms (${(median(saveTimes) / readMs).toFixed(2)}× the read)`,
);
rmSync(dir, { recursive: true, force: true });

const cli = 'packages/cli/bin/vit-opt.js';
const rss: number[] = [];
for (let r = 0; r < 3; r++) {
  rss.push(runMeasuredChild('inspect', ['node', cli, 'inspect', path, '--json']).peakRssBytes);
}
const peak = median(rss);
console.log(
  `inspect     peak RSS median ${mib(peak)} (${(peak / fileBytes).toFixed(2)}× the file; target ≤ 1.5×)`,
);
