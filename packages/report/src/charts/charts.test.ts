import { describe, expect, it } from 'vitest';
import { buildReportData } from '../data/build-report-data.js';
import { inkCoverage, pngSize } from '../testing/png.js';
import { sampleInputs } from '../testing/sample-results.js';
import { reportCharts } from './index.js';
import { DEFAULT_CHART_SIZE, renderChart } from './render-chart.js';

describe('report charts', () => {
  const data = buildReportData(sampleInputs());
  const specs = reportCharts(data);

  it('draws every chart the issue asks for from eval and bench results', () => {
    expect(specs.map((s) => s.id)).toEqual([
      'size',
      'latency',
      'accuracy',
      'top1-change',
      'accuracy-vs-latency',
      'per-class-change',
      'thread-sweep',
      'confusion-vit-tiny-hf',
      'confusion-int8-dynamic',
      'confusion-int8-fused',
      'confusion-int4',
    ]);
    for (const spec of specs) {
      const options = spec.config.options?.plugins;
      expect(options?.title?.text, spec.id).toBeTruthy();
      expect(spec.description.length, spec.id).toBeGreaterThan(20);
    }
  });

  it.each(specs.map((spec) => [spec.id, spec] as const))(
    '%s renders a PNG of its size with something drawn on it',
    async (_id, spec) => {
      const chart = await renderChart(spec, { pixelRatio: 1 });
      const size = spec.size ?? DEFAULT_CHART_SIZE;
      expect(pngSize(chart.png)).toEqual({ width: size.width, height: size.height });
      expect([chart.widthPx, chart.heightPx]).toEqual([size.width, size.height]);
      const { inked, colors } = await inkCoverage(chart.png);
      // Axes, labels and bars: well above a blank canvas, below a canvas painted over.
      expect(inked).toBeGreaterThan(0.02);
      expect(inked).toBeLessThan(0.9);
      expect(colors).toBeGreaterThan(8);
    },
  );

  it('draws at twice the size by default, for sharp pictures on dense screens', async () => {
    const chart = await renderChart(specs[0]!);
    expect(pngSize(chart.png)).toEqual({
      width: 2 * DEFAULT_CHART_SIZE.width,
      height: 2 * DEFAULT_CHART_SIZE.height,
    });
    expect(chart.fileName).toBe('charts/size.png');
  });

  it('leaves out the charts the results cannot support', () => {
    const evalOnly = reportCharts(
      buildReportData(sampleInputs().filter((i) => i.results.kind === 'eval')),
    );
    expect(evalOnly.map((s) => s.id)).not.toContain('latency');
    expect(evalOnly.map((s) => s.id)).not.toContain('accuracy-vs-latency');
    expect(evalOnly.map((s) => s.id)).not.toContain('thread-sweep');
    const benchOnly = reportCharts(
      buildReportData(sampleInputs().filter((i) => i.results.kind === 'bench')),
    );
    expect(benchOnly.map((s) => s.id)).toEqual(['size', 'latency', 'thread-sweep']);
  });
});
