import { VitOptError } from '@vit-opt/graph';
import { describe, expect, it } from 'vitest';
import { resolvePreprocessConfig } from './config.js';

const VIT_B16 = {
  image_processor_type: 'ViTImageProcessor',
  do_resize: true,
  size: { height: 224, width: 224 },
  resample: 2,
  do_rescale: true,
  rescale_factor: 0.00392156862745098,
  do_normalize: true,
  image_mean: [0.5, 0.5, 0.5],
  image_std: [0.5, 0.5, 0.5],
};

function errorOf(run: () => unknown): VitOptError {
  try {
    run();
  } catch (error) {
    if (error instanceof VitOptError) return error;
    throw error;
  }
  throw new Error('expected a VitOptError');
}

describe('resolvePreprocessConfig', () => {
  it("reads a ViTImageProcessor config as HF's steps", () => {
    expect(resolvePreprocessConfig(VIT_B16)).toEqual({
      size: { height: 224, width: 224 },
      resample: 'bilinear',
      cropSize: null,
      rescaleFactor: 1 / 255,
      normalize: { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] },
    });
  });

  it('reads a shortest-edge resize with a center crop (BiT / DINOv2)', () => {
    const config = resolvePreprocessConfig({
      image_processor_type: 'BitImageProcessor',
      size: { shortest_edge: 256 },
      resample: 3,
      do_center_crop: true,
      crop_size: { height: 224, width: 224 },
      image_mean: [0.485, 0.456, 0.406],
      image_std: [0.229, 0.224, 0.225],
    });
    expect(config.size).toEqual({ shortestEdge: 256 });
    expect(config.resample).toBe('bicubic');
    expect(config.cropSize).toEqual({ height: 224, width: 224 });
    expect(config.normalize).toEqual({ mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
  });

  it("fills fields a config leaves out with its processor class's defaults", () => {
    expect(resolvePreprocessConfig({})).toEqual(
      resolvePreprocessConfig({ image_processor_type: 'ViTImageProcessor' }),
    );
    expect(resolvePreprocessConfig({ image_processor_type: 'DeiTImageProcessor' })).toMatchObject({
      size: { height: 256, width: 256 },
      resample: 'bicubic',
      cropSize: { height: 224, width: 224 },
    });
    expect(resolvePreprocessConfig({ image_processor_type: 'CLIPImageProcessor' })).toMatchObject({
      size: { shortestEdge: 224 },
      cropSize: { height: 224, width: 224 },
    });
  });

  it('reads a legacy integer size as a square for ViT and as the shortest edge for BiT/CLIP', () => {
    expect(
      resolvePreprocessConfig({ feature_extractor_type: 'ViTFeatureExtractor', size: 384 }).size,
    ).toEqual({
      height: 384,
      width: 384,
    });
    expect(
      resolvePreprocessConfig({
        image_processor_type: 'CLIPImageProcessor',
        size: 336,
        crop_size: 336,
      }),
    ).toMatchObject({
      size: { shortestEdge: 336 },
      cropSize: { height: 336, width: 336 },
    });
  });

  it('turns steps off with do_resize, do_center_crop, do_rescale and do_normalize', () => {
    const config = resolvePreprocessConfig({
      image_processor_type: 'BitImageProcessor',
      do_resize: false,
      do_center_crop: false,
      do_rescale: false,
      do_normalize: false,
    });
    expect(config).toMatchObject({
      size: null,
      cropSize: null,
      rescaleFactor: null,
      normalize: null,
    });
  });

  it('ignores center-crop fields for ViT, whose processor has no crop step', () => {
    const config = resolvePreprocessConfig({
      ...VIT_B16,
      do_center_crop: true,
      crop_size: { height: 200, width: 200 },
    });
    expect(config.cropSize).toBeNull();
  });

  it('accepts one mean and std for all channels, and null fields as "use the default"', () => {
    const config = resolvePreprocessConfig({
      ...VIT_B16,
      image_mean: 0.25,
      image_std: 2,
      resample: null,
    });
    expect(config.normalize).toEqual({ mean: [0.25, 0.25, 0.25], std: [2, 2, 2] });
    expect(config.resample).toBe('bilinear');
  });

  it('maps every Pillow resampling code', () => {
    const filters = [0, 1, 2, 3, 4, 5].map(
      (resample) => resolvePreprocessConfig({ resample }).resample,
    );
    expect(filters).toEqual(['nearest', 'lanczos', 'bilinear', 'bicubic', 'box', 'hamming']);
  });

  it('applies overrides over the file, whole fields at a time', () => {
    const config = resolvePreprocessConfig(VIT_B16, {
      overrides: { resample: 'bicubic', cropSize: { height: 192, width: 192 }, normalize: null },
    });
    expect(config).toMatchObject({
      size: { height: 224, width: 224 },
      resample: 'bicubic',
      cropSize: { height: 192, width: 192 },
      normalize: null,
    });
  });

  it('rejects a bad field, naming the field and the file', () => {
    const error = errorOf(() =>
      resolvePreprocessConfig(
        { ...VIT_B16, size: { height: 224 } },
        { source: 'model/preprocessor_config.json' },
      ),
    );
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.subject).toBe('model/preprocessor_config.json');
    expect(error.message).toMatch(/^"size" must be .*; got \{"height":224\}$/);

    expect(errorOf(() => resolvePreprocessConfig({ resample: 7 })).message).toMatch(
      /"resample" must be a Pillow/,
    );
    expect(errorOf(() => resolvePreprocessConfig({ image_std: [0.5, 0, 0.5] })).message).toMatch(
      /"image_std"/,
    );
    expect(errorOf(() => resolvePreprocessConfig({ image_mean: [0.5, 0.5] })).message).toMatch(
      /"image_mean"/,
    );
    expect(errorOf(() => resolvePreprocessConfig({ do_resize: 'yes' })).message).toMatch(
      /"do_resize" must be true or false/,
    );
    expect(errorOf(() => resolvePreprocessConfig([])).message).toMatch(/must be a JSON object/);
  });

  it('refuses processor classes whose steps differ, listing the supported ones', () => {
    const error = errorOf(() =>
      resolvePreprocessConfig({ image_processor_type: 'ConvNextImageProcessor', crop_pct: 0.875 }),
    );
    expect(error.code).toBe('UNSUPPORTED');
    expect(error.message).toMatch(
      /"ConvNextImageProcessor" is not supported \(supported: ViTImageProcessor, /,
    );
  });

  it('reads the torchvision "Fast" variants as their Pillow counterparts', () => {
    expect(
      resolvePreprocessConfig({ ...VIT_B16, image_processor_type: 'ViTImageProcessorFast' }),
    ).toEqual(resolvePreprocessConfig(VIT_B16));
  });

  it('rejects a bad override, naming the override', () => {
    const error = errorOf(() =>
      resolvePreprocessConfig(VIT_B16, { overrides: { size: { height: 0, width: 224 } } }),
    );
    expect(error.subject).toBe('size');
    expect(error.message).toMatch(/^size must be /);
    const filter = errorOf(() =>
      resolvePreprocessConfig(VIT_B16, { overrides: { resample: 'cubic' as 'bicubic' } }),
    );
    expect(filter.message).toBe(
      'resample must be one of nearest, box, bilinear, hamming, bicubic, lanczos; got "cubic"',
    );
  });
});
