/**
 * Speed of structured pruning on ViT-B/16: the model against the same model with 25% of its heads
 * removed (3 of 12 in every layer, by weight magnitude), and separately with 25% of its MLP
 * neurons removed (768 of 3072 in every layer), batch 1 with 2 intra-op threads, in one process,
 * interleaved round by round; each speed-up is the median of the per-round ratios, set against the
 * FLOP-proportional ideal (multiply-adds of every MatMul, Gemm and Conv, from the graph's
 * recognised structure at the model's token count).
 *
 *   npm run bench prune-speed [-- MODEL]      (ROUNDS=30, FRACTION=0.25)
 */
import {
  findMlpBlocks,
  findPatchEmbedding,
  findVitStructure,
  loadModel,
  type Model,
} from '@vit-opt/graph';
import {
  findAttentionLayers,
  findMlpLayers,
  pruneHeads,
  pruneMlp,
  scoreHeads,
  scoreNeurons,
  selectHeads,
  selectNeurons,
} from '@vit-opt/prune';
import * as ort from 'onnxruntime-node';
import { interleavedWithCpuTime, machine, median, requireVitBase, timedSession } from './common.js';

const modelPath = requireVitBase(process.argv[2]);
const rounds = Number(process.env.ROUNDS ?? 30);
const fraction = Number(process.env.FRACTION ?? 0.25);

/** Multiply-adds of one image through the encoder, the patch embedding and the classifier. */
function multiplyAdds(model: Model): number {
  const vit = findVitStructure(model.graph)!;
  const tokens = vit.positionEmbedding!.tokenCount;
  let total = 0;
  for (const layer of findAttentionLayers(model)) {
    const hidden = layer.block.query.inFeatures;
    total += tokens * hidden * 3 * layer.width; // q, k, v
    total += 2 * tokens * tokens * layer.width; // Q·Kᵀ and P·V
    total += tokens * layer.width * layer.output.outFeatures; // output projection
  }
  for (const mlp of findMlpBlocks(model.graph)) {
    total +=
      tokens *
      (mlp.fc1.inFeatures * mlp.fc1.outFeatures + mlp.fc2.inFeatures * mlp.fc2.outFeatures);
  }
  const patch = findPatchEmbedding(model.graph)!.embedding;
  const kernel = patch.kernelShape.reduce((a, b) => a * b, 1);
  total += (tokens - 1) * patch.inChannels * kernel * patch.hiddenSize;
  total += (vit.classifier?.inFeatures ?? 0) * (vit.classCount ?? 0);
  return total;
}

console.log(`machine: ${machine()}`);
console.log(`model: ${modelPath}; batch 1, 2 intra-op threads, ${rounds} interleaved rounds\n`);

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
const baseFlops = multiplyAdds(original);
console.log(
  '| variant | p50 latency | speed-up, wall (CPU time) | FLOP-ideal speed-up | latency cut / ideal cut, wall (CPU time) |',
);
console.log('|---|---|---|---|---|');
console.log(`| fp32 | ${median(wallMs.fp32!).toFixed(1)} ms | 1 | 1 | |`);
for (const [label, model, name] of [
  ['heads', pruned, `${fraction * 100}% of heads`],
  ['mlp', mlpPruned, `${fraction * 100}% of MLP neurons`],
] as const) {
  const ideal = baseFlops / multiplyAdds(model);
  const ratio = (times: Record<string, number[]>): number =>
    median(times.fp32!.map((t, i) => t / times[label]![i]!));
  const share = (speedup: number): string =>
    `${(((1 - 1 / speedup) / (1 - 1 / ideal)) * 100).toFixed(0)}%`;
  const wall = ratio(wallMs);
  const cpu = ratio(cpuMs);
  console.log(
    `| ${name} pruned | ${median(wallMs[label]!).toFixed(1)} ms | ${wall.toFixed(3)}× (${cpu.toFixed(3)}×) | ${ideal.toFixed(3)}× | ${share(wall)} (${share(cpu)}) |`,
  );
}
console.log('\ntarget: latency cut ≥ 80% of the ideal');
for (const session of Object.values(sessions)) await session.release();
