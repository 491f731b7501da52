/**
 * Speed of a lower input resolution on ViT-B/16: the model at 224×224 against the same model
 * resized to 192×192 by resizeInput (197 → 145 tokens), batch 1 with 2 intra-op threads, in one
 * process, interleaved round by round; the speed-up is the median of the per-round ratios (wall
 * and whole-process CPU time), set against the FLOP-proportional ideal (vitMultiplyAdds at each
 * model's token count) with the share of the ideal latency cut it reached.
 *
 *   npm run bench resize-speed [-- MODEL]      (ROUNDS=30, SIZE=192)
 */
import { loadModel } from '@vit-opt/graph';
import { resizeInput, vitMultiplyAdds } from '@vit-opt/prune';
import * as ort from 'onnxruntime-node';
import {
  interleavedWithCpuTime,
  median,
  pairedSpeedup,
  shareOfIdeal,
  sideBySideStart,
  timedSession,
} from './common.js';

const { modelPath, rounds } = sideBySideStart();
const size = Number(process.env.SIZE ?? 192);

const original = loadModel(modelPath);
const resized = loadModel(modelPath);
const started = performance.now();
const result = resizeInput(resized, { size });
console.log(
  `resized ${result.sizeBefore}×${result.sizeBefore} → ${size}×${size} (resizeInput): tokens ${result.tokensBefore} → ${result.tokensAfter} ` +
    `in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
);

const variants: Record<string, { session: ort.InferenceSession; side: number }> = {
  original: { session: await timedSession(original), side: result.sizeBefore },
  resized: { session: await timedSession(resized), side: size },
};
const feeds = Object.fromEntries(
  Object.entries(variants).map(([label, { session, side }]) => [
    label,
    {
      [session.inputNames[0]!]: new ort.Tensor(
        'float32',
        Float32Array.from({ length: 3 * side * side }, (_, i) => Math.sin(i)),
        [1, 3, side, side],
      ),
    },
  ]),
);
for (const [label, { session }] of Object.entries(variants))
  for (let i = 0; i < 3; i++) await session.run(feeds[label]!);
// CPU time of the whole process too: other jobs on the shared cores stretch wall time, not work.
const { wallMs, cpuMs } = await interleavedWithCpuTime(rounds, Object.keys(variants), (label) =>
  variants[label]!.session.run(feeds[label]!),
);

const ideal = vitMultiplyAdds(original)! / vitMultiplyAdds(resized)!;
const wall = pairedSpeedup(wallMs, 'original', 'resized');
const cpu = pairedSpeedup(cpuMs, 'original', 'resized');
const side = (n: number): string => `${n}×${n}`;
console.log(
  '| input | tokens | p50 latency | speed-up, wall (CPU time) | FLOP-ideal speed-up | latency cut / ideal cut, wall (CPU time) |',
);
console.log('|---|---|---|---|---|---|');
console.log(
  `| ${side(result.sizeBefore)} | ${result.tokensBefore} | ${median(wallMs.original!).toFixed(1)} ms | 1 | 1 | |`,
);
console.log(
  `| ${side(size)} | ${result.tokensAfter} | ${median(wallMs.resized!).toFixed(1)} ms | ${wall.toFixed(3)}× (${cpu.toFixed(3)}×) | ${ideal.toFixed(3)}× | ${shareOfIdeal(wall, ideal)} (${shareOfIdeal(cpu, ideal)}) |`,
);
console.log('\ntarget: latency cut ≥ 80% of the ideal');
for (const { session } of Object.values(variants)) await session.release();
