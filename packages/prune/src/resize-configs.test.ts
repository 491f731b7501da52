import { describe, expect, it } from 'vitest';
import { resizedModelConfig, resizedPreprocessorConfig } from './resize-configs.js';

describe('resizedPreprocessorConfig', () => {
  it('sets a { height, width } size to the new size, keeping the other steps', () => {
    const config = { size: { height: 224, width: 224 }, resample: 2, image_mean: [0.5, 0.5, 0.5] };
    expect(resizedPreprocessorConfig(config, 192)).toEqual({
      size: { height: 192, width: 192 },
      resample: 2,
      image_mean: [0.5, 0.5, 0.5],
    });
    expect(config.size.height).toBe(224);
  });

  it('sets crop_size to the new size and scales a shortest-edge resize with it', () => {
    const config = { size: { shortest_edge: 256 }, do_center_crop: true, crop_size: 224 };
    expect(resizedPreprocessorConfig(config, 192)).toEqual({
      size: { shortest_edge: 219 },
      do_center_crop: true,
      crop_size: 192,
    });
    expect(
      resizedPreprocessorConfig({ size: 256, crop_size: { height: 224, width: 224 } }, 384),
    ).toEqual({ size: 439, crop_size: { height: 384, width: 384 } });
  });

  it('resizes to the new size when cropping is off', () => {
    expect(
      resizedPreprocessorConfig(
        { size: { height: 28, width: 28 }, do_center_crop: false, crop_size: 28 },
        35,
      ),
    ).toEqual({ size: { height: 35, width: 35 }, do_center_crop: false, crop_size: 35 });
  });
});

describe('resizedModelConfig', () => {
  it('sets image_size when the config has one', () => {
    expect(resizedModelConfig({ image_size: 224, patch_size: 16 }, 192)).toEqual({
      image_size: 192,
      patch_size: 16,
    });
    expect(resizedModelConfig({ hidden_size: 64 }, 192)).toEqual({ hidden_size: 64 });
  });
});
