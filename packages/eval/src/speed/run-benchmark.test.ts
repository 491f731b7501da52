import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataType, loadModel, saveModel } from '@vit-opt/graph';
import { readResults, writeResults } from '../results/results-file.js';
import { runBenchmark, type BenchProgress } from './run-benchmark.js';

const TINY_VIT = new URL('../../../../fixtures/models/vit-tiny-hf/model.onnx', import.meta.url)
  .pathname;
const scratch = mkdtempSync(join(tmpdir(), 'vit-opt-bench-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// Runs are kept to a handful: the tiny ViT takes well under a millisecond per image.
const quick = { stop: { runs: 5 }, warmupRuns: 1 } as const;

describe('runBenchmark', () => {
  it('measures every thread count × batch size and describes the model', async () => {
    const results = await runBenchmark(TINY_VIT, { ...quick, threads: [1, 2], batchSizes: [1, 4] });
    expect(results.kind).toBe('bench');
    expect(results.model).toMatchObject({
      size_bytes: statSync(TINY_VIT).size,
      parameter_count: 145_290,
    });
    expect(results.bench.inputs).toEqual([
      { name: 'pixel_values', shape: ['batch_size', 3, 28, 28] },
    ]);
    expect(
      results.bench.measurements.map((m) => [m.intra_op_threads, m.batch_size, m.runs]),
    ).toEqual([
      [1, 1, 5],
      [1, 4, 5],
      [2, 1, 5],
      [2, 4, 5],
    ]);
    for (const { latency, throughput_images_per_second, batch_size, session_load_ms } of results
      .bench.measurements) {
      expect(latency.min_ms).toBeGreaterThan(0);
      expect(latency.min_ms).toBeLessThanOrEqual(latency.p50_ms);
      expect(latency.p50_ms).toBeLessThanOrEqual(latency.p90_ms);
      expect(latency.p90_ms).toBeLessThanOrEqual(latency.p99_ms);
      expect(latency.p99_ms).toBeLessThanOrEqual(latency.max_ms);
      expect(throughput_images_per_second).toBeCloseTo(batch_size / (latency.mean_ms / 1000), 9);
      expect(session_load_ms).toBeGreaterThan(0);
    }
    expect(results.bench.process_peak_rss_bytes).toBeGreaterThan(10 * 1024 ** 2);
  });

  it('writes a document the schema accepts', async () => {
    const results = await runBenchmark(TINY_VIT, { ...quick, threads: [1] });
    const path = join(scratch, 'bench.json');
    writeResults(path, results);
    expect(await readResults(path)).toStrictEqual(JSON.parse(JSON.stringify(results)));
  });

  it('turns off thread spinning for a sweep, and leaves it on for a single configuration', async () => {
    const sweep = await runBenchmark(TINY_VIT, { ...quick, threads: [1, 2] });
    const single = await runBenchmark(TINY_VIT, { ...quick, threads: [1] });
    expect(sweep.runtime.intra_op_spinning).toBe(false);
    expect(single.runtime.intra_op_spinning).toBe(true);
    expect(single.runtime).toEqual({
      execution_provider: 'cpu',
      graph_optimization_level: 'all',
      inter_op_threads: 1,
      intra_op_spinning: true,
    });
  });

  it('runs for a time budget when asked for seconds', async () => {
    const started = performance.now();
    const results = await runBenchmark(TINY_VIT, {
      stop: { seconds: 0.05 },
      warmupRuns: 0,
      threads: [1],
    });
    expect(performance.now() - started).toBeGreaterThanOrEqual(50);
    expect(results.bench.stop).toEqual({ seconds: 0.05 });
    expect(results.bench.measurements[0]!.runs).toBeGreaterThan(1);
  });

  it('reports progress that only grows, up to 1', async () => {
    const seen: BenchProgress[] = [];
    await runBenchmark(TINY_VIT, { ...quick, threads: [1, 2], onProgress: (p) => seen.push(p) });
    const fractions = seen.map((p) => p.fraction);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    expect(fractions.at(-1)).toBe(1);
    expect(seen.map((p) => p.phase)).toEqual(
      expect.arrayContaining(['loading', 'warmup', 'measuring']),
    );
    expect(seen.every((p) => p.configurations === 2)).toBe(true);
  });

  it('stops cleanly between runs when aborted', async () => {
    const controller = new AbortController();
    const run = runBenchmark(TINY_VIT, {
      stop: { runs: 1_000_000 },
      warmupRuns: 0,
      threads: [1],
      signal: controller.signal,
      onProgress: (p) => {
        if (p.runsDone === 3) controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('takes the batch size a model fixes, and names it when another is asked for', async () => {
    const model = loadModel(TINY_VIT);
    const input = model.graph.inputs[0]!;
    input.type = { kind: 'tensor', elemType: DataType.FLOAT, shape: [2, 3, 28, 28] };
    const fixed = join(scratch, 'fixed-batch.onnx');
    saveModel(model, fixed);

    const results = await runBenchmark(fixed, { ...quick, threads: [1] });
    expect(results.bench.measurements.map((m) => m.batch_size)).toEqual([2]);
    await expect(runBenchmark(fixed, { ...quick, threads: [1], batchSizes: [8] })).rejects.toThrow(
      'input "pixel_values" has a fixed batch size of 2; batch size 8 cannot run',
    );
  });

  // This repository's .npmrc skips onnxruntime-node's CUDA download, so CUDA never starts here.
  it('names an execution provider that cannot start, and those on offer', async () => {
    const run = runBenchmark(TINY_VIT, { ...quick, threads: [1], executionProvider: 'cuda' });
    await expect(run).rejects.toMatchObject({
      code: 'UNSUPPORTED',
      subject: 'executionProvider',
      message: expect.stringMatching(
        /^execution provider "cuda" is not available \(.+\); this onnxruntime-node has cpu\b/,
      ),
    });
  });

  it('names a wrong option', async () => {
    await expect(runBenchmark(TINY_VIT, { threads: [0] })).rejects.toMatchObject({
      subject: 'threads',
    });
    await expect(runBenchmark(TINY_VIT, { stop: { runs: 0 } })).rejects.toMatchObject({
      subject: 'runs',
    });
    await expect(runBenchmark(TINY_VIT, { batchSizes: [] })).rejects.toMatchObject({
      subject: 'batchSizes',
    });
  });
});
