import { describe, expect, it } from 'vitest';
import { decodeModel, encodeModel } from '@vit-opt/graph';
import { calibrate } from '../calibration/calibrate.js';
import { quantizeStatic } from '../static/quantize-static.js';
import { FIXTURE_NAMES, fixtureTestData, loadFixture } from '../testing/fixtures.js';
import { buildQuantizationReport } from './build-report.js';
import { formatReport } from './format-report.js';

describe.each(FIXTURE_NAMES)('buildQuantizationReport on %s', (name) => {
  it('lists every quantized weight and activation, worst first, with the float nodes that read them', async () => {
    const float = loadFixture(name);
    const { pixels, dims } = fixtureTestData(name);
    const samples = [{ pixel_values: { data: pixels, dims } }];
    const ranges = await calibrate(float, samples);
    const quantized = decodeModel(encodeModel(float));
    const quantization = quantizeStatic(quantized, ranges);

    const report = await buildQuantizationReport(float, quantized, samples);
    expect(report.sampleCount).toBe(dims[0]);
    const weights = report.tensors.filter((entry) => entry.kind === 'weight');
    const activations = report.tensors.filter((entry) => entry.kind === 'activation');
    expect(weights.map((entry) => entry.tensor).sort()).toEqual(quantization.quantizedNodes.map((node) => node.weightName).sort());
    expect(activations.map((entry) => entry.tensor).sort()).toEqual(quantization.activations.map((a) => a.name).sort());
    const sqnr = report.tensors.map((entry) => entry.sqnrDb);
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

    const table = formatReport(report, { limit: 3 }).split('\n');
    expect(table[0]).toBe(`Quantization error per tensor, worst first (activations over ${dims[0]} samples):`);
    expect(table[1]).toMatch(/^SQNR dB {2}kind {8}tensor +read by$/);
    expect(table).toHaveLength(6);
    expect(table[2]).toContain(report.tensors[0]!.tensor);
    expect(table[5]).toBe(`… ${report.tensors.length - 3} more (better) tensors`);
  });
});

describe('buildQuantizationReport refuses', () => {
  it('a QOperator model, whose activations have no QuantizeLinear to compare at', async () => {
    const float = loadFixture('vit-tiny-hf');
    const { pixels, dims } = fixtureTestData('vit-tiny-hf');
    const samples = [{ pixel_values: { data: pixels, dims } }];
    const quantized = decodeModel(encodeModel(float));
    quantizeStatic(quantized, await calibrate(float, samples, { format: 'qoperator' }), { format: 'qoperator' });
    await expect(buildQuantizationReport(float, quantized, samples)).rejects.toThrow(/^the error report compares QDQ models; this one is in QOperator form/);
    await expect(buildQuantizationReport(float, float, samples, { sampleLimit: 0 })).rejects.toThrow(
      "buildQuantizationReport option 'sampleLimit' must be an integer ≥ 1, got number 0",
    );
  });
});
