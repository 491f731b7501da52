import { expect, it } from 'vitest';
import * as prune from './index.js';

it('exports a deliberate public API', () => {
  expect(Object.keys(prune).sort()).toMatchInlineSnapshot(`
    [
      "HEAD_RECOVERIES",
      "HEAD_SCORINGS",
      "PRUNE_RECIPE_KEY",
      "findAttentionBlocks",
      "findAttentionLayers",
      "findMlpLayers",
      "maskHeads",
      "maskNeurons",
      "parseHeadPlan",
      "planHeadsIteratively",
      "pruneHeads",
      "pruneMlp",
      "pruneModel",
      "pruneNeedsFeeds",
      "readPruneRecipe",
      "resizeInput",
      "resizedModelConfig",
      "resizedPreprocessorConfig",
      "resolveHeadPlan",
      "scoreHeads",
      "scoreNeurons",
      "selectHeads",
      "selectNeurons",
      "vitMultiplyAdds",
    ]
  `);
});
