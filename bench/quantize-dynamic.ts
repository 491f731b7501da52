/**
 * Dynamic int8 quantization of ViT-B/16: (a) what it costs — time against a plain load→save,
 * peak RSS of a quantize run in a child process, file size; (b) what it gains — latency of fp32
 * against the int8 layouts at batch 1 with 2 threads, in one process, interleaved, and the
 * cosine of their logits on real images.
 *
 *   npm run bench quantize-dynamic [-- MODEL]      (ROUNDS=… LATENCY_ROUNDS=… to change counts;
 *                                                    CEILING_ONLY=1 for part (c) alone)
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DataType,
  Model,
  Tensor,
  decodeModel,
  encodeModel,
  loadModel,
  saveModel,
} from '@vit-opt/graph';
import {
  fuseTransformer,
  quantizeDynamic,
  type DynamicQuantizationOptions,
  type TransformerFusionOptions,
} from '@vit-opt/quantize';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import {
  cosineSimilarity,
  interleaved,
  interleavedWithCpuTime,
  machine,
  median,
  mib,
  requireVitBase,
  runMeasuredChild,
  timedSession,
  tsxNode,
} from './common.js';

const CHILD_FLAG = '--quantize-child';
const thisFile = fileURLToPath(import.meta.url);

if (process.argv[2] === CHILD_FLAG) {
  // The measured child: load, optionally quantize, save. Nothing else, so its peak RSS is the tool's.
  const [, , , input, output, mode] = process.argv as string[];
  const model = loadModel(input!);
  if (mode === 'fuse-quantize') fuseTransformer(model);
  if (mode === 'quantize' || mode === 'fuse-quantize') quantizeDynamic(model);
  saveModel(model, output!);
  process.exit(0);
}

const path = requireVitBase(process.argv[2]);
const rounds = Number(process.env.ROUNDS ?? 5);
const latencyRounds = Number(process.env.LATENCY_ROUNDS ?? 40);
const fileBytes = statSync(path).size;
console.log(
  `command: npm run bench quantize-dynamic${process.argv[2] === undefined ? '' : ` -- ${process.argv[2]}`}`,
);
console.log(`model: ${path} (${mib(fileBytes)})`);
console.log(`machine: ${machine()}`);

const scratch = mkdtempSync(join(tmpdir(), 'vit-opt-bench-quantize-'));
try {
  if (process.env.CEILING_ONLY === '1') {
    await kernelCeiling();
    process.exit(0);
  }
  console.log('\n(a) cost of quantizing');
  readFileSync(path); // warm the page cache: every variant reads from memory
  const quantizeOnlyMs: number[] = [];
  const times = await interleaved(rounds, {
    'load→save': () => saveModel(loadModel(path), join(scratch, 'plain.onnx')),
    'load→quantize→save': () => {
      const model = loadModel(path);
      const started = performance.now();
      quantizeDynamic(model);
      quantizeOnlyMs.push(performance.now() - started);
      saveModel(model, join(scratch, 'int8.onnx'));
    },
    'load→fuse→quantize→save': () => {
      const model = loadModel(path);
      fuseTransformer(model);
      quantizeDynamic(model);
      saveModel(model, join(scratch, 'fused-int8.onnx'));
    },
  });
  const plainMs = median(times['load→save']);
  const quantizeMs = median(times['load→quantize→save']);
  console.log(`load→save            median ${plainMs.toFixed(0)} ms over ${rounds} rounds`);
  console.log(
    `load→quantize→save   median ${quantizeMs.toFixed(0)} ms (${(quantizeMs / plainMs).toFixed(2)}× load→save; target ≤ 2×)`,
  );
  console.log(`quantizeDynamic alone median ${median(quantizeOnlyMs).toFixed(0)} ms`);
  const fusedMs = median(times['load→fuse→quantize→save']);
  console.log(
    `load→fuse→quantize→save median ${fusedMs.toFixed(0)} ms (${(fusedMs / plainMs).toFixed(2)}× load→save)`,
  );

  const peakRss = (mode: 'quantize' | 'fuse-quantize' | 'plain'): number => {
    const samples: number[] = [];
    for (let r = 0; r < 3; r++) {
      const child = tsxNode(thisFile, CHILD_FLAG, path, join(scratch, `${mode}-child.onnx`), mode);
      samples.push(runMeasuredChild(`${mode} child`, child).peakRssBytes);
    }
    return median(samples);
  };
  const quantizeRss = peakRss('quantize');
  const plainRss = peakRss('plain');
  const fusedRss = peakRss('fuse-quantize');
  console.log(
    `peak RSS, load→quantize→save child: median ${mib(quantizeRss)} (${(quantizeRss / fileBytes).toFixed(2)}× the file; target ≤ 2×)`,
  );
  console.log(
    `peak RSS, load→fuse→quantize→save child: median ${mib(fusedRss)} (${(fusedRss / fileBytes).toFixed(2)}× the file)`,
  );
  console.log(
    `peak RSS, load→save child:          median ${mib(plainRss)} (${(plainRss / fileBytes).toFixed(2)}× the file)`,
  );
  for (const file of ['int8.onnx', 'fused-int8.onnx']) {
    const int8Bytes = statSync(join(scratch, file)).size;
    console.log(
      `file: fp32 ${mib(fileBytes)} → ${file} ${mib(int8Bytes)} (${((100 * int8Bytes) / fileBytes).toFixed(1)}%; target ≤ 26%)`,
    );
  }

  console.log('\n(b) latency, batch 1, 2 intra-op threads, sessions side by side, spinning off');
  const float = loadModel(path);
  // Each int8 layout: dynamic quantization options, after transformer fusion when `fusion` is set.
  const layouts: Record<string, Layout> = {
    'int8 per-tensor': {},
    'int8 per-channel': { quantize: { perChannel: true } },
    'int8 shared DQL': { quantize: { shareActivationQuantization: true } },
    'int8 + Conv': { quantize: { opTypes: ['MatMul', 'Gemm', 'Conv'] } },
    'fused QAttention': { fusion: {} },
    'fused QAttention per-ch': { fusion: {}, quantize: { perChannel: true } },
    'fused MultiHeadAttention': { fusion: { attention: 'multi-head' } },
    'fused QAttention+SkipLN': { fusion: { skipLayerNorm: true } },
    'fused QAttention+BiasGelu': { fusion: { gelu: 'bias-gelu' } },
  };
  const sessions: Record<string, ort.InferenceSession> = { fp32: await timedSession(float) };
  const optimizedPath = (label: string): string =>
    join(scratch, `${label.replace(/\W+/g, '_')}.optimized.onnx`);
  for (const [label, layout] of Object.entries(layouts)) {
    sessions[label] = await timedSession(quantized(float, layout), {
      optimizedModelPath: optimizedPath(label),
    });
  }
  // onnxruntime's common-subexpression elimination merges identical DynamicQuantizeLinear nodes
  // that read the same activation, sharing them again; this variant keeps them apart.
  const unshared = 'int8 per-tensor, CSE off';
  sessions[unshared] = await timedSession(quantized(float, {}), {
    optimizedModelPath: optimizedPath(unshared),
    disabledOptimizers: 'CommonSubexpressionElimination',
  });
  const fusedOps = Object.fromEntries(
    [...Object.keys(layouts), unshared].map((label) => [label, quantizedOps(optimizedPath(label))]),
  );

  const images = await realImages(8);
  const inputName = sessions.fp32!.inputNames[0]!;
  const outputName = sessions.fp32!.outputNames[0]!;
  const run = async (label: string, pixels: Float32Array): Promise<Float32Array> =>
    (
      await sessions[label]!.run({
        [inputName]: new ort.Tensor('float32', pixels, [1, 3, 224, 224]),
      })
    )[outputName]!.data as Float32Array;

  for (const label of Object.keys(sessions))
    for (let w = 0; w < 5; w++) await run(label, images[0]!);
  const { wallMs: latency, cpuMs } = await interleavedWithCpuTime(
    latencyRounds,
    Object.keys(sessions),
    (label) => run(label, images[0]!),
  );
  const fp32Ms = median(latency.fp32!);
  const fp32CpuMs = median(cpuMs.fp32!);
  for (const label of Object.keys(sessions)) {
    const ms = median(latency[label]!);
    // The ratio within each round (runs seconds apart) shrugs off load that comes and goes.
    const perRound = median(latency[label]!.map((t, round) => latency.fp32![round]! / t));
    const cpu = median(cpuMs[label]!);
    const speedup =
      label === 'fp32'
        ? ''
        : `  ${(fp32Ms / ms).toFixed(2)}× fp32, per-round median ${perRound.toFixed(2)}× (target ≥ 3.2×; fused ≥ 3.6×)`;
    console.log(
      `${label.padEnd(26)} median ${ms.toFixed(1)} ms over ${latencyRounds} interleaved runs${speedup}`,
    );
    console.log(
      `${''.padEnd(26)} CPU time median ${cpu.toFixed(1)} ms${label === 'fp32' ? '' : ` (${(fp32CpuMs / cpu).toFixed(2)}× less than fp32)`}`,
    );
    if (label !== 'fp32') console.log(`${''.padEnd(26)} onnxruntime ran ${fusedOps[label]}`);
  }
  const fastest = Object.keys(layouts).reduce((a, b) =>
    median(latency[a]!) <= median(latency[b]!) ? a : b,
  );
  console.log(`fastest int8 layout: ${fastest}`);

  console.log(
    `\nlogits cosine to fp32 on ${images.length} Fashion-MNIST validation images resized to 224 (target ≥ 0.99)`,
  );
  for (const label of Object.keys(sessions).filter((l) => l !== 'fp32')) {
    const cosines: number[] = [];
    for (const pixels of images)
      cosines.push(cosineSimilarity(await run('fp32', pixels), await run(label, pixels)));
    console.log(
      `${label.padEnd(26)} min ${Math.min(...cosines).toFixed(5)}, median ${median(cosines).toFixed(5)}`,
    );
  }
  await Promise.all(Object.values(sessions).map((session) => session.release()));
  await kernelCeiling();
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

/**
 * (c) The ceiling this CPU puts on any int8 rewrite: ViT-B/16's MLP MatMuls alone (6 pairs of
 * [197, 768] × [768, 3072] and [197, 3072] × [3072, 768], 5.6 G multiply-adds, nothing between
 * them), float against dynamic int8, interleaved. A whole model cannot gain more than its MatMuls.
 */
async function kernelCeiling(): Promise<void> {
  const float = matMulChain();
  const int8 = decodeModel(encodeModel(float));
  quantizeDynamic(int8);
  const kernels = { fp32: await timedSession(float), int8: await timedSession(int8) };
  const input = new Float32Array(197 * 768).map((_, i) => Math.sin(i * 0.01));
  const feed = { x: new ort.Tensor('float32', input, [1, 197, 768]) };
  const runKernel = async (label: string): Promise<void> => {
    await kernels[label as keyof typeof kernels].run(feed);
  };
  for (let w = 0; w < 5; w++) for (const label of Object.keys(kernels)) await runKernel(label);
  const rounds = 40;
  const { wallMs } = await interleavedWithCpuTime(rounds, Object.keys(kernels), runKernel);
  const macs = 6 * 2 * 197 * 768 * 3072;
  console.log(
    `\n(c) MLP MatMuls alone, 6 × ([197, 768] × [768, 3072], [197, 3072] × [3072, 768]), 2 threads, ${rounds} interleaved runs`,
  );
  for (const label of Object.keys(kernels)) {
    const ms = median(wallMs[label]!);
    console.log(
      `${label.padEnd(26)} median ${ms.toFixed(1)} ms (${(macs / ms / 1e6).toFixed(0)} G multiply-adds/s)`,
    );
  }
  console.log(
    `int8 ÷ fp32 speed-up of the MatMuls themselves: ${(median(wallMs.fp32!) / median(wallMs.int8!)).toFixed(2)}×`,
  );
}

/** x[1, 197, 768] through six MLP-shaped MatMul pairs, no bias or activation between them. */
function matMulChain(): Model {
  const model = new Model({ opsetImports: new Map([['', 17]]) });
  const graph = model.graph;
  const x = graph.createValue('x');
  x.type = { kind: 'tensor', elemType: DataType.FLOAT, shape: [1, 197, 768] };
  graph.inputs.push(x);
  let current = x;
  for (let layer = 0; layer < 12; layer++) {
    const dims = layer % 2 === 0 ? [768, 3072] : [3072, 768];
    const values = new Float32Array(768 * 3072).map((_, i) => Math.sin(i * 0.37 + layer) * 0.03);
    const weight = graph.addInitializer(
      Tensor.fromArray({ dtype: DataType.FLOAT, dims }, values),
      `w${layer}`,
    );
    current = graph.addNode({ opType: 'MatMul', inputs: [current, weight] }).output(0);
  }
  current.type = { kind: 'tensor', elemType: DataType.FLOAT, shape: [1, 197, 768] };
  graph.outputs.push(current);
  return model;
}

interface Layout {
  readonly quantize?: DynamicQuantizationOptions;
  readonly fusion?: TransformerFusionOptions;
}

function quantized(float: Model, layout: Layout): Model {
  const model = decodeModel(encodeModel(float));
  if (layout.fusion !== undefined) fuseTransformer(model, layout.fusion);
  quantizeDynamic(model, layout.quantize);
  return model;
}


/** The quantization and fused ops of the graph onnxruntime optimized, counted: what it ran. */
function quantizedOps(path: string): string {
  const counts = new Map<string, number>();
  for (const node of loadModel(path).graph.allNodes()) {
    if (/Quantize|Integer|Attention|SkipLayer|Gelu/.test(node.opType))
      counts.set(node.opType, (counts.get(node.opType) ?? 0) + 1);
  }
  return [...counts].map(([op, n]) => `${n} ${op}`).join(', ');
}

/** Validation images (one per class), resized to 224 × 224 RGB and normalized as ViT-B expects (mean 0.5, std 0.5). */
async function realImages(count: number): Promise<Float32Array[]> {
  const root = 'fixtures/data/fashion-mnist/val';
  const classes = readdirSync(root).sort().slice(0, count);
  return Promise.all(
    classes.map(async (name) => {
      const file = readdirSync(join(root, name)).sort()[0]!;
      const { data } = await sharp(join(root, name, file))
        .resize(224, 224, { kernel: 'cubic' })
        .toColourspace('srgb')
        .removeAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      const pixels = new Float32Array(3 * 224 * 224);
      for (let p = 0; p < 224 * 224; p++) {
        for (let c = 0; c < 3; c++)
          pixels[c * 224 * 224 + p] = (data[p * 3 + c]! / 255 - 0.5) / 0.5;
      }
      return pixels;
    }),
  );
}
