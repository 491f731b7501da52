/**
 * Speed of structured pruning on ViT-B/16: the model against the same model with 25% of its heads
 * removed (3 of 12 in every layer, by weight magnitude), and separately with 25% of its MLP
 * neurons removed (768 of 3072 in every layer), batch 1 with 2 intra-op threads, in one process,
 * interleaved round by round; each speed-up is the median of the per-round ratios, set against the
 * FLOP-proportional ideal (vitMultiplyAdds: multiply-adds of every MatMul, Gemm and Conv, from the
 * graph's recognised structure at the model's token count).
 *
 *   npm run bench prune-speed [-- MODEL]      (ROUNDS=30, FRACTION=0.25)
 */
import { loadModel } from '@vit-opt/graph';
import {
  findAttentionLayers,
  findMlpLayers,
  pruneHeads,
  pruneMlp,
  scoreHeads,
  scoreNeurons,
  selectHeads,
  selectNeurons,
  vitMultiplyAdds,
} from '@vit-opt/prune';
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
const fraction = Number(process.env.FRACTION ?? 0.25);

const original = loadModel(modelPath);
const pruned = loadModel(modelPath);
const layers = findAttentionLayers(pruned);
const perLayer = Math.round(fraction * layers[0]!.heads);
const plan = selectHeads(await scoreHeads(pruned), {
  count: perLayer * layers.length,
  perLayerMax: perLayer,
});
const started = performance.now();
const result = await pruneHeads(pruned, plan);
console.log(
  `pruned ${result.headsBefore - result.headsAfter} of ${result.headsBefore} heads by magnitude in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);

const mlpPruned = loadModel(modelPath);
const mlpLayers = findMlpLayers(mlpPruned);
const neuronsPerLayer = Math.round(fraction * mlpLayers[0]!.neurons);
const mlpResult = await pruneMlp(
  mlpPruned,
  selectNeurons(await scoreNeurons(mlpPruned), {
    count: neuronsPerLayer * mlpLayers.length,
    perLayerMax: neuronsPerLayer,
  }),
);
console.log(
  `pruned ${mlpResult.neuronsBefore - mlpResult.neuronsAfter} of ${mlpResult.neuronsBefore} MLP neurons`,
);

const sessions: Record<string, ort.InferenceSession> = {
  fp32: await timedSession(original),
  heads: await timedSession(pruned),
  mlp: await timedSession(mlpPruned),
};
const dims = [1, 3, 224, 224];
const input = new ort.Tensor(
  'float32',
  Float32Array.from({ length: 3 * 224 * 224 }, (_, i) => Math.sin(i)),
  dims,
);
const inputName = sessions.fp32.inputNames[0]!;
for (const session of Object.values(sessions))
  for (let i = 0; i < 3; i++) await session.run({ [inputName]: input });
// CPU time of the whole process too: other jobs on the shared cores stretch wall time, not work.
const { wallMs, cpuMs } = await interleavedWithCpuTime(rounds, Object.keys(sessions), (label) =>
  sessions[label]!.run({ [inputName]: input }),
);
const baseFlops = vitMultiplyAdds(original)!;
console.log(
  '| variant | p50 latency | speed-up, wall (CPU time) | FLOP-ideal speed-up | latency cut / ideal cut, wall (CPU time) |',
);
console.log('|---|---|---|---|---|');
console.log(`| fp32 | ${median(wallMs.fp32!).toFixed(1)} ms | 1 | 1 | |`);
for (const [label, model, name] of [
  ['heads', pruned, `${fraction * 100}% of heads`],
  ['mlp', mlpPruned, `${fraction * 100}% of MLP neurons`],
] as const) {
  const ideal = baseFlops / vitMultiplyAdds(model)!;
  const wall = pairedSpeedup(wallMs, 'fp32', label);
  const cpu = pairedSpeedup(cpuMs, 'fp32', label);
  console.log(
    `| ${name} pruned | ${median(wallMs[label]!).toFixed(1)} ms | ${wall.toFixed(3)}× (${cpu.toFixed(3)}×) | ${ideal.toFixed(3)}× | ${shareOfIdeal(wall, ideal)} (${shareOfIdeal(cpu, ideal)}) |`,
  );
}
console.log('\ntarget: latency cut ≥ 80% of the ideal');
for (const session of Object.values(sessions)) await session.release();
