/**
 * Dynamic int8 quantization of ViT-B/16: (a) what it costs — time against a plain load→save,
 * peak RSS of a quantize run in a child process, file size; (b) what it gains — latency of fp32
 * against the int8 layouts at batch 1 with 2 threads, in one process, interleaved, and the
 * cosine of their logits on real images.
 *
 *   npm run bench quantize-dynamic [-- MODEL]      (ROUNDS=… LATENCY_ROUNDS=… to change counts)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeModel, encodeModel, loadModel, saveModel, type Model } from '@vit-opt/graph';
import { quantizeDynamic, type DynamicQuantizationOptions } from '@vit-opt/quantize';
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
} from './common.js';

const CHILD_FLAG = '--quantize-child';
const thisFile = fileURLToPath(import.meta.url);

if (process.argv[2] === CHILD_FLAG) {
  // The measured child: load, optionally quantize, save. Nothing else, so its peak RSS is the tool's.
  const [, , , input, output, mode] = process.argv as string[];
  const model = loadModel(input!);
  if (mode === 'quantize') quantizeDynamic(model);
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
  });
  const plainMs = median(times['load→save']);
  const quantizeMs = median(times['load→quantize→save']);
  console.log(`load→save            median ${plainMs.toFixed(0)} ms over ${rounds} rounds`);
  console.log(
    `load→quantize→save   median ${quantizeMs.toFixed(0)} ms (${(quantizeMs / plainMs).toFixed(2)}× load→save; target ≤ 2×)`,
  );
  console.log(`quantizeDynamic alone median ${median(quantizeOnlyMs).toFixed(0)} ms`);

  const peakRss = (mode: 'quantize' | 'plain'): number => {
    const samples: number[] = [];
    for (let r = 0; r < 3; r++) {
      const run = spawnSync(
        '/usr/bin/time',
        [
          '-f',
          '%M',
          process.execPath,
          '--conditions=source',
          '--import',
          'tsx',
          thisFile,
          CHILD_FLAG,
          path,
          join(scratch, `${mode}-child.onnx`),
          mode,
        ],
        { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] },
      );
      if (run.status !== 0) throw new Error(`${mode} child failed: ${run.stderr}`);
      samples.push(Number(run.stderr.trim().split('\n').at(-1)) * 1024);
    }
    return median(samples);
  };
  const quantizeRss = peakRss('quantize');
  const plainRss = peakRss('plain');
  console.log(
    `peak RSS, load→quantize→save child: median ${mib(quantizeRss)} (${(quantizeRss / fileBytes).toFixed(2)}× the file; target ≤ 2×)`,
  );
  console.log(
    `peak RSS, load→save child:          median ${mib(plainRss)} (${(plainRss / fileBytes).toFixed(2)}× the file)`,
  );
  const int8Bytes = statSync(join(scratch, 'int8.onnx')).size;
  console.log(
    `file: fp32 ${mib(fileBytes)} → int8 ${mib(int8Bytes)} (${((100 * int8Bytes) / fileBytes).toFixed(1)}%; target ≤ 26%)`,
  );

  console.log('\n(b) latency, batch 1, 2 intra-op threads, sessions side by side, spinning off');
  const float = loadModel(path);
  const layouts: Record<string, DynamicQuantizationOptions> = {
    'int8 per-tensor': {},
    'int8 per-channel': { perChannel: true },
    'int8 shared DQL': { shareActivationQuantization: true },
    'int8 + Conv': { opTypes: ['MatMul', 'Gemm', 'Conv'] },
  };
  const sessions: Record<string, ort.InferenceSession> = { fp32: await createSession(float) };
  const optimizedPath = (label: string): string =>
    join(scratch, `${label.replace(/\W+/g, '_')}.optimized.onnx`);
  for (const [label, options] of Object.entries(layouts)) {
    sessions[label] = await createSession(quantized(float, options), {
      optimizedModelPath: optimizedPath(label),
    });
  }
  // onnxruntime's common-subexpression elimination merges identical DynamicQuantizeLinear nodes
  // that read the same activation, sharing them again; this variant keeps them apart.
  const unshared = 'int8 per-tensor, CSE off';
  sessions[unshared] = await createSession(quantized(float, {}), {
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
        : `  ${(fp32Ms / ms).toFixed(2)}× fp32, per-round median ${perRound.toFixed(2)}× (target ≥ 3.2×)`;
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
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

function quantized(float: Model, options: DynamicQuantizationOptions): Model {
  const model = decodeModel(encodeModel(float));
  quantizeDynamic(model, options);
  return model;
}

async function createSession(
  model: Model,
  options: { optimizedModelPath?: string; disabledOptimizers?: string } = {},
): Promise<ort.InferenceSession> {
  const optimization =
    options.disabledOptimizers === undefined
      ? {}
      : { optimization: { disable_specified_optimizers: options.disabledOptimizers } };
  return ort.InferenceSession.create(encodeModel(model), {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: 2,
    interOpNumThreads: 1,
    logSeverityLevel: 3,
    ...(options.optimizedModelPath === undefined
      ? {}
      : { optimizedModelFilePath: options.optimizedModelPath }),
    // Idle sessions' spinning threads would steal the two cores from the one being timed.
    extra: { session: { intra_op: { allow_spinning: '0' } }, ...optimization },
  });
}

/** The quantization ops of the graph onnxruntime optimized, counted: what it fused the chains into. */
function quantizedOps(path: string): string {
  const counts = new Map<string, number>();
  for (const node of loadModel(path).graph.allNodes()) {
    if (/Quantize|Integer/.test(node.opType))
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
