import { describe, expect, it } from 'vitest';
import { type FeedBatch, type Model } from '@vit-opt/graph';
import { calibrate } from '../calibration/calibrate.js';
import { quantizeDynamic } from '../passes/quantize-dynamic.js';
import { quantizeStatic } from '../static/quantize-static.js';
import { fixtureTestData, loadFixture, probe } from '../testing/fixtures.js';
import { gemmModel, projectionsModel, seededValues } from '../testing/small-models.js';
import { measurePairSaturation } from './pair-saturation.js';

const copyOf = (model: Model): Model => model.clone();
const projectionSamples: FeedBatch[] = [{ x: { data: seededValues(2 * 8 * 16, 5, 4), dims: [2, 8, 16] } }];

describe('measurePairSaturation', () => {
  it('finds the pairs of full-range u8×s8 products that leave int16 in a dynamic model', async () => {
    const quantized = copyOf(projectionsModel());
    quantizeDynamic(quantized, { target: 'amx' });
    const saturation = await measurePairSaturation(quantized, projectionSamples, { probe });
    // q, k and v; the activation × activation products have no constant weight.
    expect(saturation.map((p) => p.node).sort()).toEqual(['/key/MatMul', '/query/MatMul', '/value/MatMul']);
    for (const product of saturation) {
      // 2 samples × 8 rows × 16 columns × 8 pairs along K = 16.
      expect(product.pairs).toBe(2 * 8 * 16 * 8);
      expect(product.share).toBe(product.saturated / product.pairs);
    }
    expect(saturation[0]!.saturated).toBeGreaterThan(0);
    expect(saturation[0]!.maxAbsPairSum).toBeGreaterThan(32767);
  });

  it('finds none with 7-bit weights: 2 × 255 × 64 < 32,768 whatever the activations', async () => {
    const quantized = copyOf(projectionsModel());
    quantizeDynamic(quantized, { target: 'portable' });
    const saturation = await measurePairSaturation(quantized, projectionSamples, { probe });
    expect(saturation).toHaveLength(3);
    for (const product of saturation) {
      expect(product.saturated).toBe(0);
      expect(product.maxAbsPairSum).toBeLessThanOrEqual(2 * 255 * 64);
    }
  });

  it('reads a Gemm’s transposed weight by its K axis', async () => {
    const quantized = copyOf(gemmModel({ transB: 1 }));
    quantizeDynamic(quantized, { target: 'amx' });
    const samples: FeedBatch[] = [{ x: { data: seededValues(3 * 16, 8, 2), dims: [3, 16] } }];
    const [product] = await measurePairSaturation(quantized, samples, { probe });
    // 3 rows × 8 outputs × 8 pairs along K = 16.
    expect(product!.pairs).toBe(3 * 8 * 8);
  });

  it('measures static QDQ products on their calibrated uint8 activations, and none for u8 weights', async () => {
    const float = loadFixture('vit-tiny-hf');
    const { pixels, dims } = fixtureTestData('vit-tiny-hf');
    const samples: FeedBatch[] = [{ pixel_values: { data: pixels, dims } }];
    const ranges = await calibrate(float, samples, { probe });
    const fullRange = copyOf(float);
    const report = quantizeStatic(fullRange, ranges, { target: 'amx' });
    const saturation = await measurePairSaturation(fullRange, samples, { probe });
    const linearLayers = report.quantizedNodes.filter((node) => node.opType !== 'Conv');
    expect(saturation).toHaveLength(linearLayers.length);
    expect(saturation.every((p) => p.pairs > 0)).toBe(true);

    const unsignedWeights = copyOf(float);
    quantizeStatic(unsignedWeights, ranges, { target: 'amx', weightType: 'uint8' });
    expect(await measurePairSaturation(unsignedWeights, samples, { probe })).toEqual([]);
  });
});
