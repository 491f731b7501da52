import { expect, it } from 'vitest';
import * as quantize from './index.js';

it('exports a deliberate public API', () => {
  expect(Object.keys(quantize).sort()).toMatchInlineSnapshot(`
    [
      "DEFAULT_FLOAT16_OP_BLOCK_LIST",
      "FLOAT16_MAX",
      "FUSION_KEY",
      "RECIPE_KEY",
      "assertNotQuantized",
      "assertOpset",
      "buildQuantizationReport",
      "calibrate",
      "convertFloat16",
      "convertFloat16Pass",
      "convertToFloat16",
      "describeSelection",
      "findWeightedNodes",
      "float16Bits",
      "formatReport",
      "fuseTransformer",
      "fuseTransformerPass",
      "imageFolderFeeds",
      "int8Range",
      "loadRanges",
      "nothingToQuantizeError",
      "quantizeDynamic",
      "quantizeDynamicPass",
      "quantizeInt4Blocks",
      "quantizeInt8Weight",
      "quantizeStatic",
      "quantizeStaticPass",
      "quantizeWeightsInt4",
      "quantizeWeightsInt4Pass",
      "readRecipe",
      "roundHalfToEven",
      "saveRanges",
      "sqnrDb",
      "summarizeFusion",
      "summarizeReport",
      "writeRecipe",
    ]
  `);
});
