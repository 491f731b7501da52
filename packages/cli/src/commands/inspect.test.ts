import { fileURLToPath } from 'node:url';
import { loadModel, summarizeModel } from '@vit-opt/graph';
import { describe, expect, it } from 'vitest';
import { captureIo } from '../io.js';
import { run } from '../main.js';

const fixture = (name: string): string =>
  fileURLToPath(new URL(`../../../../fixtures/models/${name}/model.onnx`, import.meta.url));

describe.each([
  ['vit-tiny-hf', 'separate q/k/v'],
  ['vit-tiny-tv', 'fused qkv'],
])('vit-opt inspect %s', (name, attention) => {
  it('prints the summary, ViT headline first', async () => {
    const io = captureIo();
    expect(await run(['inspect', fixture(name)], io)).toBe(0);
    expect(io.stderrText()).toBe('');
    const text = io.stdoutText();
    expect(text.split('\n')[0]).toBe(
      `ViT: 4 layers × 4 heads, hidden 64, MLP 128, patch 7 (28×28 → 16 patches + CLS), 10 classes, attention: ${attention}`,
    );
    expect(text).toMatch(/^ {2}pixel_values +float32 +\[batch_size, 3, 28, 28\]$/m);
    expect(text).toMatch(/^ {2}parameters +145,290$/m);
  });

  it('prints the summary as JSON with --json', async () => {
    const io = captureIo();
    expect(await run(['inspect', '--json', fixture(name)], io)).toBe(0);
    const printed = JSON.parse(io.stdoutText()) as ReturnType<typeof summarizeModel>;
    expect(printed).toEqual(summarizeModel(loadModel(fixture(name))));
    expect(printed.vit).toMatchObject({
      layerCount: 4,
      heads: 4,
      hiddenSize: 64,
      intermediateSize: 128,
      classCount: 10,
    });
  });
});

describe('vit-opt inspect of an export whose identical initializers torch tied through Identity', () => {
  it('reports every layer (vit-tiny-tv-tied: 4, not only the first)', async () => {
    const io = captureIo();
    expect(await run(['inspect', fixture('vit-tiny-tv-tied')], io)).toBe(0);
    expect(io.stderrText()).toBe('');
    const text = io.stdoutText();
    expect(text.split('\n')[0]).toBe(
      'ViT: 4 layers × 2 heads, hidden 32, MLP 64, patch 7 (28×28 → 16 patches + CLS), 10 classes, attention: fused qkv',
    );
    expect(text).toMatch(/^ {2}layer norm +9 fused \(LayerNormalization\)$/m);
  });
});
