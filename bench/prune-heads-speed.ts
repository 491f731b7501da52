/**
 * Speed of head pruning on ViT-B/16: the model against the same model with 25% of its heads
 * removed (3 of 12 in every layer, by weight magnitude), batch 1 with 2 intra-op threads, in one
 * process, interleaved round by round; the speed-up is the median of the per-round ratios, set
 * against the FLOP-proportional ideal (multiply-adds of every MatMul, Gemm and Conv, from the
 * graph's recognised structure at the model's token count).
 *
 *   npm run bench prune-heads-speed [-- MODEL]      (ROUNDS=30, FRACTION=0.25)
 */
import {
  findMlpBlocks,
  findPatchEmbedding,
  findVitStructure,
  loadModel,
  type Model,
} from '@vit-opt/graph';
import { findAttentionLayers, pruneHeads, scoreHeads, selectHeads } from '@vit-opt/prune';
import * as ort from 'onnxruntime-node';
import { machine, median, requireVitBase, timedSession } from './common.js';

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

const sessions = { fp32: await timedSession(original), pruned: await timedSession(pruned) };
const dims = [1, 3, 224, 224];
const input = new ort.Tensor(
  'float32',
  Float32Array.from({ length: 3 * 224 * 224 }, (_, i) => Math.sin(i)),
  dims,
);
const inputName = sessions.fp32.inputNames[0]!;
for (const session of Object.values(sessions))
  for (let i = 0; i < 3; i++) await session.run({ [inputName]: input });
const times: Record<string, number[]> = { fp32: [], pruned: [] };
for (let r = 0; r < rounds; r++) {
  for (const [label, session] of Object.entries(sessions)) {
    const t0 = performance.now();
    await session.run({ [inputName]: input });
    times[label]!.push(performance.now() - t0);
  }
}
const ratios = times.fp32!.map((t, i) => t / times.pruned![i]!);
const speedup = median(ratios);
const idealSpeedup = multiplyAdds(original) / multiplyAdds(pruned);
const measuredCut = 1 - 1 / speedup;
const idealCut = 1 - 1 / idealSpeedup;
console.log(
  '| variant | p50 latency | speed-up (median of per-round ratios) | FLOP-ideal speed-up |',
);
console.log('|---|---|---|---|');
console.log(`| fp32 | ${median(times.fp32!).toFixed(1)} ms | 1 | 1 |`);
console.log(
  `| ${fraction * 100}% of heads pruned | ${median(times.pruned!).toFixed(1)} ms | ${speedup.toFixed(3)}× | ${idealSpeedup.toFixed(3)}× |`,
);
console.log(
  `\nlatency cut ${(measuredCut * 100).toFixed(1)}% of an ideal ${(idealCut * 100).toFixed(1)}%: ${((measuredCut / idealCut) * 100).toFixed(0)}% of the ideal (target ≥ 80%)`,
);
for (const session of Object.values(sessions)) await session.release();
