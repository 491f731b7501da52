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
      "maskHeads",
      "parseHeadPlan",
      "planHeadsIteratively",
      "pruneHeads",
      "readPruneRecipe",
      "resolveHeadPlan",
      "scoreHeads",
      "selectHeads",
    ]
  `);
});
