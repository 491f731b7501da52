import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type FeedBatch, type Model } from '@vit-opt/graph';
import { imageFolderFeeds, loadPreprocessConfig } from '@vit-opt/eval/data';
import { calibrate } from '../calibration/calibrate.js';
import { fuseTransformer } from '../fusion/fuse-transformer.js';
import { findWeightedNodes } from '../graph/weighted-nodes.js';
import { convertFloat16 } from '../passes/convert-float16.js';
import { quantizeDynamic } from '../passes/quantize-dynamic.js';
import { quantizeWeightsInt4 } from '../passes/quantize-weights-int4.js';
import { quantizeStatic } from '../static/quantize-static.js';
import { FIXTURE_NAMES, REPO_ROOT, fixtureDir, fixtureTestData, loadFixture, probe } from '../testing/fixtures.js';
import { buildQuantizationReport, type QuantizationErrorReport } from './build-report.js';
import { formatReport } from './format-report.js';
import type { TensorError } from './tensor-error.js';

const copyOf = (model: Model): Model => model.clone();
const ofKind = (report: QuantizationErrorReport, kind: TensorError['kind']): TensorError[] =>
  report.tensors.filter((entry) => entry.kind === kind);
const sqnrOf = (report: QuantizationErrorReport): number[] => report.tensors.map((entry) => entry.sqnrDb);
const exactly = (name: string): RegExp => new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`);

describe.each(FIXTURE_NAMES.flatMap((name) => (['qdq', 'qoperator'] as const).map((format) => [name, format] as const)))(
  'buildQuantizationReport on %s, static %s',
  (name, format) => {
    it('lists every quantized weight and activation, worst first, with the float nodes that read them', async () => {
      const float = loadFixture(name);
      const { pixels, dims } = fixtureTestData(name);
      const samples = [{ pixel_values: { data: pixels, dims } }];
      const ranges = await calibrate(float, samples, { probe, format });
      const quantized = copyOf(float);
      const quantization = quantizeStatic(quantized, ranges, { format });

      const report = await buildQuantizationReport(float, quantized, samples, { probe });
      expect(report.sampleCount).toBe(dims[0]);
      const weights = ofKind(report, 'weight');
      const activations = ofKind(report, 'activation');
      expect(weights.map((entry) => entry.tensor).sort()).toEqual(quantization.quantizedNodes.map((node) => node.weightName).sort());
      expect(activations.map((entry) => entry.tensor).sort()).toEqual(quantization.activations.map((a) => a.name).sort());
      const sqnr = sqnrOf(report);
      expect(sqnr).toEqual([...sqnr].sort((a, b) => a - b));
      // The weight SQNR is the one quantizeStatic measured while quantizing.
      for (const node of quantization.quantizedNodes) {
        const entry = weights.find((w) => w.tensor === node.weightName)!;
        expect(entry.sqnrDb).toBeCloseTo(node.weightSqnrDb, 3);
        expect(entry.consumers).toEqual([node.name]);
      }
      // 8-bit tensors keep 30+ dB; the input's own quantization is among the best.
      expect(Math.min(...sqnr)).toBeGreaterThan(15);
      const input = activations.find((entry) => entry.tensor === 'pixel_values')!;
      expect(input.sqnrDb).toBeGreaterThan(35);
      expect(input.producer).toBeNull();
      expect(JSON.parse(JSON.stringify(report))).toEqual(report);

      const [errorSection, saturationSection] = formatReport(report, { limit: 3 }).split('\n\n');
      const table = errorSection!.split('\n');
      expect(table[0]).toBe(`Quantization error per tensor, worst first (activations over ${dims[0]} samples):`);
      expect(table[1]).toMatch(/^SQNR dB {2}kind {8}tensor +quantized in \(to exclude\)$/);
      expect(table).toHaveLength(6);
      // The u8×s8 products: each linear layer's, the pair sums beyond int16 counted on the samples.
      expect(report.saturation).toHaveLength(quantization.quantizedNodes.filter((node) => node.opType !== 'Conv').length);
      const risky = report.saturation.filter((product) => product.saturated > 0).length;
      expect(saturationSection).toMatch(
        new RegExp(`^u8×s8 pair sums beyond int16 .*: ${risky} of ${report.saturation.length} quantized products`),
      );
      expect(table[2]).toContain(report.tensors[0]!.tensor);
      expect(table[5]).toBe(`… ${report.tensors.length - 3} more (better) tensors`);
    });
  },
);

/** A node a mode quantized: the weight it reads and the tensor it writes, by their float names. */
interface RewrittenNode {
  readonly name: string;
  readonly weightName: string;
  readonly output: string;
}

type RewritingMode = 'dynamic' | 'int4' | 'fp16';

/**
 * A copy of `float` quantized by `mode`, leaving the nodes matching `exclude` float32, and the
 * nodes it quantized. float16 conversion reports no nodes: its quantized nodes are those with a
 * constant weight it did not keep float32.
 */
function quantizeWith(float: Model, mode: RewritingMode, exclude: RegExp[] = []): { model: Model; nodes: RewrittenNode[] } {
  const model = copyOf(float);
  const output = (name: string): string => float.graph.nodes.find((node) => node.name === name)!.output(0).name;
  if (mode === 'fp16') {
    convertFloat16(model, { nodeBlockList: exclude });
    const all = { opTypes: ['MatMul', 'Gemm', 'Conv'], includeNodes: [], minimumWeightElements: 0 };
    const nodes = findWeightedNodes(float, { ...all, excludeNodes: exclude }).found.map((match) => ({
      name: match.node.name,
      weightName: match.weightValue.name,
      output: match.node.output(0).name,
    }));
    return { model, nodes };
  }
  const report = mode === 'dynamic' ? quantizeDynamic(model, { excludeNodes: exclude }) : quantizeWeightsInt4(model, { excludeNodes: exclude });
  return { model, nodes: report.quantizedNodes.map((node) => ({ name: node.name, weightName: node.weightName, output: output(node.name) })) };
}

describe('buildQuantizationReport on the modes that rewrite nodes (vit-tiny-hf, 4 calibration images)', () => {
  const MODES: RewritingMode[] = ['dynamic', 'int4', 'fp16'];
  let float: Model;
  let samples: FeedBatch[];
  const quantized = new Map<RewritingMode, { nodes: RewrittenNode[]; report: QuantizationErrorReport }>();
  const reportOf = (mode: RewritingMode): QuantizationErrorReport => quantized.get(mode)!.report;
  beforeAll(async () => {
    float = loadFixture('vit-tiny-hf');
    const preprocess = await loadPreprocessConfig(join(fixtureDir('vit-tiny-hf'), 'preprocessor_config.json'));
    const images = await imageFolderFeeds(float, join(REPO_ROOT, 'fixtures/data/fashion-mnist/calib'), { preprocess, limit: 4, workers: 1 });
    samples = [];
    for await (const batch of images.feeds) samples.push(batch);
    for (const mode of MODES) {
      const { model, nodes } = quantizeWith(float, mode);
      quantized.set(mode, { nodes, report: await buildQuantizationReport(float, model, samples, { probe }) });
    }
  });

  it.each(MODES)('%s: a weight entry and an activation entry (the node’s output) for every quantized node, worst first', (mode) => {
    const { nodes, report } = quantized.get(mode)!;
    expect(report.sampleCount).toBe(4);
    const weights = ofKind(report, 'weight');
    expect(weights.map((entry) => entry.tensor).sort()).toEqual(nodes.map((node) => node.weightName).sort());
    for (const node of nodes) {
      expect(weights.find((entry) => entry.tensor === node.weightName)!.consumers).toContain(node.name);
      expect(report.tensors).toContainEqual(expect.objectContaining({ kind: 'activation', tensor: node.output, producer: node.name }));
    }
    // Dynamic and int4 compute only the quantized nodes' outputs differently; fp16 computes almost every tensor in float16.
    const activations = ofKind(report, 'activation');
    if (mode === 'fp16') expect(activations.length).toBeGreaterThan(100);
    else expect(activations.map((entry) => entry.tensor).sort()).toEqual(nodes.map((node) => node.output).sort());
    const sqnr = sqnrOf(report);
    expect(sqnr).toEqual([...sqnr].sort((a, b) => a - b));
    expect(sqnr.every(Number.isFinite)).toBe(true);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('measures each weight as its quantizer did: int8 over 30 dB, int4 blocks less, float16 the most', () => {
    const weightSqnr = (mode: RewritingMode): Map<string, number> => new Map(ofKind(reportOf(mode), 'weight').map((entry) => [entry.tensor, entry.sqnrDb]));
    const [int8, int4, half] = [weightSqnr('dynamic'), weightSqnr('int4'), weightSqnr('fp16')];
    const quantizers = { dynamic: quantizeDynamic(copyOf(float)), int4: quantizeWeightsInt4(copyOf(float)) };
    for (const node of quantizers.dynamic.quantizedNodes) expect(int8.get(node.weightName)).toBeCloseTo(node.weightSqnrDb, 3);
    for (const node of quantizers.int4.quantizedNodes) expect(int4.get(node.weightName)).toBeCloseTo(node.weightSqnrDb, 3);
    for (const [weight, sqnr] of int8) {
      expect(sqnr).toBeGreaterThan(30);
      expect(int4.get(weight)).toBeLessThan(sqnr);
      expect(half.get(weight)).toBeGreaterThan(60);
    }
    // Activations, measured after the error has accumulated, stay in the same order.
    const worstActivation = (mode: RewritingMode): number => ofKind(reportOf(mode), 'activation')[0]!.sqnrDb;
    expect(worstActivation('int4')).toBeGreaterThan(10);
    expect(worstActivation('dynamic')).toBeGreaterThan(worstActivation('int4'));
    expect(worstActivation('fp16')).toBeGreaterThan(50);
  });

  it.each(MODES)('%s: excluding the worst node by name takes it out of the next report', async (mode) => {
    const worst = reportOf(mode).tensors[0]!;
    // The report names the node to exclude, whatever the kind of the entry.
    const node = worst.nodes[0]!;
    const { model } = quantizeWith(float, mode, [exactly(node)]);
    const report = await buildQuantizationReport(float, model, samples, { probe });
    expect(report.tensors.find((entry) => entry.tensor === worst.tensor)).toBeUndefined();
    const ofNode = report.tensors.filter((entry) => entry.producer === node || (entry.kind === 'weight' && entry.consumers.includes(node)));
    expect(ofNode).toEqual([]);
  });

  it('fp16 with float16 inputs and outputs: the samples are rounded to float16 as they are fed', async () => {
    const model = copyOf(float);
    convertFloat16(model, { keepIoTypes: false });
    const report = await buildQuantizationReport(float, model, samples, { probe });
    expect(ofKind(report, 'activation').map((entry) => entry.tensor)).toContain('logits');
    expect(report.tensors.length).toBe(reportOf('fp16').tensors.length);
    expect(Math.min(...sqnrOf(report))).toBeGreaterThan(50);
  });

  it('dynamic after transformer fusion: QAttention’s packed weight and its output are compared with the fused float model', async () => {
    const fused = copyOf(float);
    fuseTransformer(fused);
    const model = copyOf(fused);
    const quantization = quantizeDynamic(model);
    const attention = quantization.quantizedNodes.filter((node) => node.opType === 'Attention');
    expect(attention).toHaveLength(4);
    const report = await buildQuantizationReport(fused, model, samples, { probe });
    for (const node of attention) {
      expect(report.tensors).toContainEqual(expect.objectContaining({ kind: 'weight', tensor: node.weightName, consumers: [node.name] }));
      expect(report.tensors).toContainEqual(expect.objectContaining({ kind: 'activation', producer: node.name }));
    }
    expect(Math.min(...sqnrOf(report))).toBeGreaterThan(25);
  });
});

describe('buildQuantizationReport refuses', () => {
  it('two models that compute alike, and a sample limit below 1', async () => {
    const float = loadFixture('vit-tiny-hf');
    const { pixels, dims } = fixtureTestData('vit-tiny-hf');
    const samples = [{ pixel_values: { data: pixels, dims } }];
    await expect(buildQuantizationReport(float, copyOf(float), samples, { probe })).rejects.toThrow(
      /^the quantized model computes every tensor of the float model as it does: nothing to compare/,
    );
    await expect(buildQuantizationReport(float, float, samples, { probe, sampleLimit: 0 })).rejects.toThrow(
      "buildQuantizationReport option 'sampleLimit' must be an integer ≥ 1, got number 0",
    );
  });
});
