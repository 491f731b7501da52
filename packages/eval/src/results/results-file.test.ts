import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClassificationAccumulator } from '../metrics/classification-accumulator.js';
import { buildEvalResults } from './build-eval-results.js';
import { describeDataset } from './describe-dataset.js';
import { describeModel } from './describe-model.js';
import { describePreprocessing } from './describe-preprocessing.js';
import { captureEnvironment } from './environment.js';
import type { EvalResults } from './results-document.js';
import { readResults, writeResults } from './results-file.js';

const TINY_VIT = new URL('../../../../fixtures/models/vit-tiny-hf/model.onnx', import.meta.url)
  .pathname;
const scratch = mkdtempSync(join(tmpdir(), 'vit-opt-results-file-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A complete eval document of a small run of the tiny ViT against itself as baseline. */
async function realEvalResults(): Promise<EvalResults> {
  const imagePath = join(scratch, 'image.png');
  writeFileSync(imagePath, 'not really a png');
  const model = await describeModel(TINY_VIT);
  const accumulator = new ClassificationAccumulator({ classCount: 3, withBaseline: true });
  accumulator.addBatch({
    indices: [0, 1],
    labels: [2, 0],
    logits: new Float32Array([0.1, 0.2, 3, 1, 0, -1]),
    baselineLogits: new Float32Array([0.1, 0.3, 2, 0, 1, -1]),
  });
  return buildEvalResults({
    model,
    baselineModel: model,
    dataset: await describeDataset(
      { source: scratch, items: [0, 1, 2].map((index) => ({ index, path: imagePath, label: 0 })) },
      { path: scratch, selection: {} },
    ),
    preprocessing: describePreprocessing({
      size: { height: 28, width: 28 },
      resample: 'bilinear',
      cropSize: null,
      rescaleFactor: 1 / 255,
      normalize: { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] },
    }),
    runtime: {
      execution_provider: 'cpu',
      graph_optimization_level: 'all',
      intra_op_threads: 1,
      inter_op_threads: 1,
      batch_size: 2,
    },
    environment: captureEnvironment(),
    classCount: 3,
    items: accumulator.records(),
    failures: [{ index: 2, path: imagePath, code: 'CORRUPT', reason: 'not a decodable image' }],
    timings: { wallMs: 12.5, inferenceMs: 4.25, inputWaitMs: 1 },
  });
}

let results: EvalResults;
beforeAll(async () => {
  results = await realEvalResults();
});

/** The object under `key` of a parsed document, to change it. */
const section = (json: Record<string, unknown>, key: string): Record<string, unknown> =>
  json[key] as Record<string, unknown>;

/** Writes `results` with one change made to its JSON, and returns the path. */
function writeBroken(name: string, breakIt: (json: Record<string, unknown>) => void): string {
  const json = JSON.parse(JSON.stringify(results)) as Record<string, unknown>;
  breakIt(json);
  const path = join(scratch, name);
  writeFileSync(path, JSON.stringify(json));
  return path;
}

describe('writeResults and readResults', () => {
  it('round-trip a real eval document unchanged', async () => {
    const path = join(scratch, 'results.json');
    writeResults(path, results);
    expect(await readResults(path)).toStrictEqual(JSON.parse(JSON.stringify(results)));
  });

  it('write one record per line', () => {
    const path = join(scratch, 'layout.json');
    writeResults(path, results);
    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines.filter((line) => line.trimStart().startsWith('{"index":'))).toHaveLength(
      results.items.length + results.failures.length,
    );
  });

  it('name the file and the first violation of a broken document', async () => {
    const path = writeBroken('broken-top1.json', (json) => {
      section(json, 'metrics').top1 = 1.5;
    });
    await expect(readResults(path)).rejects.toMatchObject({
      code: 'CORRUPT',
      subject: path,
      message: 'not valid vit-opt results at /metrics/top1: must be <= 1',
    });
  });

  it('name a missing field and an unknown one', async () => {
    const missing = writeBroken('missing.json', (json) => {
      delete section(json, 'model').sha256;
    });
    await expect(readResults(missing)).rejects.toThrow(
      "at /model: must have required property 'sha256'",
    );
    const unknown = writeBroken('unknown.json', (json) => {
      json.latency = { p50: 3 };
    });
    await expect(readResults(unknown)).rejects.toThrow(
      'at the top level: unknown property "latency"',
    );
  });

  it('say which schema version a newer document has', async () => {
    const path = writeBroken('newer.json', (json) => {
      json.schema_version = 'vit-opt.results/2';
    });
    await expect(readResults(path)).rejects.toMatchObject({
      code: 'UNSUPPORTED',
      message: 'results in schema vit-opt.results/2; this vit-opt reads vit-opt.results/1',
    });
  });

  it('refuse files that are not JSON or not there', async () => {
    const path = join(scratch, 'not-json.json');
    writeFileSync(path, '{"schema_version": ');
    await expect(readResults(path)).rejects.toMatchObject({ code: 'CORRUPT', subject: path });
    await expect(readResults(join(scratch, 'absent.json'))).rejects.toMatchObject({
      code: 'FILE_NOT_FOUND',
    });
  });

  it('refuse to write a document JSON cannot carry, and leave no file behind', async () => {
    const path = join(scratch, 'nan.json');
    const withNaN = { ...results, timings: { ...results.timings, wall_ms: NaN } };
    expect(() => writeResults(path, withNaN)).toThrow(
      'refusing to write invalid results at /timings/wall_ms: must be number',
    );
    await expect(readResults(path)).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });
});
