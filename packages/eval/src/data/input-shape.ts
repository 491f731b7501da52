import { VitOptError } from '@vit-opt/graph';
import type { ImageSize } from './preprocess/config.js';
import { CHANNELS } from './preprocess/preprocess-image.js';

/** A model input dimension: a number when fixed, a name (or null) when symbolic. */
export type InputDim = number | string | null;

/**
 * Checks that images preprocessed to `imageSize` fit a model's image input of shape `shape`
 * ([batch, 3, height, width], any dimension may be symbolic). Returns the batch size the
 * model fixes, or null when it takes any; throws naming both shapes when the images do not fit.
 */
export function checkImageInputShape(
  inputName: string,
  shape: readonly InputDim[],
  imageSize: ImageSize,
): { fixedBatchSize: number | null } {
  const expected: readonly number[] = [CHANNELS, imageSize.height, imageSize.width];
  const fits =
    shape.length === 4 &&
    expected.every((size, i) => {
      const dim = shape[i + 1];
      return typeof dim !== 'number' || dim === size;
    });
  if (!fits) {
    const modelShape = shape
      .map((dim) => (typeof dim === 'number' ? dim : (dim ?? '?')))
      .join(', ');
    throw new VitOptError(
      'INVALID_ARGUMENT',
      `model input "${inputName}" has shape [${modelShape}] but preprocessing makes [N, ${expected.join(', ')}]`,
      { subject: inputName },
    );
  }
  const batch = shape[0];
  return { fixedBatchSize: typeof batch === 'number' && batch > 0 ? batch : null };
}
