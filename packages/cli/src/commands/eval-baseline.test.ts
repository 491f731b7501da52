import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel, saveModel } from '@vit-opt/graph';
import {
  ClassifierSession,
  evaluate,
  imageBatches,
  loadPreprocessConfig,
  openDataset,
  readId2Label,
  selectItems,
  type EvalResults,
} from '@vit-opt/eval';
import {
  resizeInput,
  resizedModelConfig,
  resizedPreprocessorConfig,
  type ConfigJson,
} from '@vit-opt/prune';
import { describe, expect, it } from 'vitest';
import { captureIo } from '../io.js';
import { run } from '../main.js';

const repo = (path: string): string =>
  fileURLToPath(new URL(`../../../../${path}`, import.meta.url));
const original = repo('fixtures/models/vit-tiny-hf/model.onnx');
const data = repo('fixtures/data/fashion-mnist/val');
const LIMIT = 200;
const BATCH = 32;

/** The fixture resized to 35×35, with its preprocessor_config.json and config.json, in a temp folder. */
function resizedFixture(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vit-opt-eval-baseline-'));
  const model = loadModel(original);
  resizeInput(model, { size: 35 });
  saveModel(model, join(dir, 'model.onnx'));
  for (const [file, resize] of [
    ['preprocessor_config.json', resizedPreprocessorConfig],
    ['config.json', resizedModelConfig],
  ] as const) {
    const config = JSON.parse(readFileSync(join(dirname(original), file), 'utf8')) as ConfigJson;
    writeFileSync(join(dir, file), JSON.stringify(resize(config, 35)));
  }
  return join(dir, 'model.onnx');
}

/** Each image's logits, the model run alone on its own preprocessing of the first LIMIT images. */
async function logitsAlone(modelPath: string): Promise<Float32Array[]> {
  const items = selectItems(
    (await openDataset(data, { id2label: (await readId2Label(original))! })).items,
    { limit: LIMIT },
  );
  const config = await loadPreprocessConfig(join(dirname(modelPath), 'preprocessor_config.json'));
  const session = await ClassifierSession.create(modelPath, {
    executionProvider: 'cpu',
    intraOpThreads: 0,
    interOpThreads: 0,
    graphOptimizationLevel: 'all',
    spinning: false,
  });
  const rows: Float32Array[] = [];
  for await (const batch of imageBatches(items, config, { batchSize: BATCH })) {
    const { logits, classCount } = await session.run(batch.pixels, batch.dims);
    for (let i = 0; i < batch.count; i++) {
      rows.push(logits.slice(i * classCount, (i + 1) * classCount));
    }
  }
  await session.release();
  return rows;
}

/** KL(p ‖ q) of two rows of logits in nats, float64, through log-softmax. */
function kl(p: Float32Array, q: Float32Array): number {
  const logSoftmax = (row: Float32Array): number[] => {
    const max = Math.max(...row);
    const logSum = max + Math.log(row.reduce((sum, x) => sum + Math.exp(x - max), 0));
    return [...row].map((x) => x - logSum);
  };
  const [logP, logQ] = [logSoftmax(p), logSoftmax(q)];
  return Math.max(
    logP.reduce((sum, lp, c) => sum + Math.exp(lp) * (lp - logQ[c]!), 0),
    0,
  );
}

describe('vit-opt eval --baseline, the baseline at another input size', () => {
  it('compares a 35×35 resized model with its 28×28 original on the same images, as each alone', async () => {
    const resized = resizedFixture();
    const output = join(dirname(resized), 'results.json');
    const io = captureIo();
    const args = ['eval', resized, '--data', data, '--limit', `${LIMIT}`, '--batch', `${BATCH}`];
    const code = await run([...args, '--baseline', original, '-o', output], io);
    expect(code, io.stderrText()).toBe(0);
    expect(io.stdoutText()).toContain(`vs baseline ${original}: top-1`);
    const paired = JSON.parse(readFileSync(output, 'utf8')) as EvalResults;
    expect(paired.preprocessing.size).toEqual({ height: 35, width: 35 });
    expect(paired.baseline_preprocessing?.size).toEqual({ height: 28, width: 28 });

    // Each model alone, on its own preprocessing, and the comparison made here.
    const options = { dataPath: data, limit: LIMIT, batchSize: BATCH };
    const alone = await evaluate({ ...options, modelPath: resized });
    const baseline = await evaluate({ ...options, modelPath: original });
    const n = alone.items.length;
    expect(paired.metrics.item_count).toBe(n);
    const top1 = (results: EvalResults) => results.items.map((item) => item.top5[0]);
    const correct = (results: EvalResults) => results.items.filter((i) => i.top1_correct).length;
    const agreeing = top1(alone).filter((c, i) => c === top1(baseline)[i]).length;
    const [resizedLogits, originalLogits] = [
      await logitsAlone(resized),
      await logitsAlone(original),
    ];
    const kls = resizedLogits.map((row, i) => kl(originalLogits[i]!, row));
    expect(paired.items.map((item) => item.kl)).toEqual(kls);
    expect(paired.metrics).toMatchObject({
      top1: alone.metrics.top1,
      baseline_top1: baseline.metrics.top1,
      agreement: agreeing / n,
      top1_delta: (correct(alone) - correct(baseline)) / n,
      mean_kl: kls.reduce((sum, x) => sum + x, 0) / n,
    });
    // Resizing without fine-tuning changes some predictions: the comparison has something to show.
    expect(agreeing).toBeLessThan(n);
    expect('top1_delta_ci95' in paired.metrics && paired.metrics.top1_delta_ci95[0]).toBeLessThan(
      0,
    );
  });
});
