import { describe, expect, it } from 'vitest';
import { buildReportData } from '../data/build-report-data.js';
import { sampleInputs } from '../testing/sample-results.js';
import type { RenderedChart } from '../charts/chart-spec.js';
import { renderReportHtml } from './render-html.js';

/** A stand-in chart: rendering is tested elsewhere; here only its embedding matters. */
function fakeChart(id: string): RenderedChart {
  return {
    id,
    fileName: `charts/${id}.png`,
    title: `Chart ${id}`,
    description: `What ${id} shows, <escaped> & all`,
    png: Buffer.from([0x89, 0x50, 0x4e, 0x47]),
    size: { width: 960, height: 540 },
    widthPx: 1920,
    heightPx: 1080,
  };
}

describe('renderReportHtml', () => {
  const data = buildReportData(sampleInputs());
  const html = renderReportHtml(data, [fakeChart('size'), fakeChart('latency')]);

  it('has a table row per variant, baseline first', () => {
    const rows = [...html.matchAll(/<tr class="variant[^"]*" data-variant="([^"]+)">/g)].map(
      (m) => m[1],
    );
    expect(rows).toEqual(['vit-tiny-hf', 'int8-dynamic', 'int8-fused', 'int4']);
    expect(html).toContain('<tr class="variant baseline" data-variant="vit-tiny-hf">');
    expect(html).toMatch(
      /data-variant="int4">.*−0\.40 pp <span class="small">\[−1\.10, \+0\.30\]<\/span>/,
    );
  });

  it('embeds every chart as a data: URI and loads nothing from elsewhere', () => {
    const sources = [...html.matchAll(/\ssrc="([^"]*)"/g)].map((m) => m[1]!);
    expect(sources).toHaveLength(2);
    for (const src of sources) expect(src).toMatch(/^data:image\/png;base64,[A-Za-z0-9+/=]+$/);
    expect(html).not.toMatch(/https?:/);
    expect(html).not.toMatch(/<link|<script|url\(|@import/i);
    expect(html).toContain('alt="What size shows, &#60;escaped&#62; &#38; all"');
  });

  it('shows per-class accuracy, each recipe and the environment', () => {
    const perClass = html.slice(html.indexOf('id="per-class-table"'));
    expect(perClass).toContain('<td class="text">Ankle_boot</td>');
    expect(html).toContain('&#34;mode&#34;: &#34;int4&#34;');
    expect(html).toContain('<dt>CPU</dt><dd>Intel(R) Xeon(R) Processor</dd>');
    expect(html).toContain('<code>avx512_vnni</code>');
    expect(html).toContain('<dt>onnxruntime</dt><dd>1.30.0</dd>');
    expect(html).toMatch(
      /<td class="text">int4<\/td><td class="text">bench<\/td><td class="text">int4\.bench\.json<\/td><td class="text">cpu, 1\/2 threads, batch 1\/8, 200 runs each<\/td>/,
    );
  });

  it('escapes names that carry markup', () => {
    const inputs = sampleInputs().map((i) =>
      i.source.startsWith('int4') ? { ...i, name: '<b>int4</b>' } : i,
    );
    const page = renderReportHtml(buildReportData(inputs), []);
    expect(page).not.toContain('<b>int4</b>');
    expect(page).toContain('&#60;b&#62;int4&#60;/b&#62;');
  });
});
