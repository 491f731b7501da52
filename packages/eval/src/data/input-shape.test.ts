import { describe, expect, it } from 'vitest';
import { checkImageInputShape } from './input-shape.js';

const SIZE = { height: 224, width: 224 };

describe('checkImageInputShape', () => {
  it('accepts a matching input, symbolic dimensions matching anything', () => {
    expect(checkImageInputShape('pixel_values', ['batch_size', 3, 224, 224], SIZE)).toEqual({
      fixedBatchSize: null,
    });
    expect(
      checkImageInputShape('pixel_values', [null, 'channels', 'height', 'width'], SIZE),
    ).toEqual({
      fixedBatchSize: null,
    });
  });

  it('returns the batch size a model fixes', () => {
    expect(checkImageInputShape('pixel_values', [8, 3, 224, 224], SIZE)).toEqual({
      fixedBatchSize: 8,
    });
  });

  it('refuses an input the images do not fit, naming both shapes', () => {
    expect(() => checkImageInputShape('pixel_values', ['batch_size', 3, 28, 28], SIZE)).toThrow(
      'model input "pixel_values" has shape [batch_size, 3, 28, 28] but preprocessing makes [N, 3, 224, 224]',
    );
    expect(() => checkImageInputShape('input', [1, 224, 224, 3], SIZE)).toThrow(
      /has shape \[1, 224, 224, 3\]/,
    );
    expect(() => checkImageInputShape('input', [null, 3, 224], SIZE)).toThrow(
      /has shape \[\?, 3, 224\]/,
    );
  });
});
