import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Model } from '@vit-opt/graph';
import { RECIPE_KEY, makeRecipe, readRecipe, writeRecipe } from './recipe.js';

const packageVersion = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

describe('recipe', () => {
  it("records tool, this package's version, mode, options, time and source in metadata_props", () => {
    const model = new Model();
    model.producerName = 'pytorch';
    model.producerVersion = '1.13.0';
    const recipe = makeRecipe(model, 'dynamic', { perChannel: false }, 'ab'.repeat(32));
    writeRecipe(model, recipe);
    const stored = JSON.parse(model.metadataProps.get(RECIPE_KEY)!) as Record<string, unknown>;
    expect(stored).toEqual({
      tool: 'vit-opt',
      version: packageVersion,
      mode: 'dynamic',
      options: { perChannel: false },
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      source: { producer: 'pytorch 1.13.0', sha256: 'ab'.repeat(32) },
    });
    expect(readRecipe(model)).toEqual(stored);
  });

  it('leaves the digest out when the caller has none', () => {
    expect(makeRecipe(new Model(), 'fp16', {}, undefined).source).toEqual({ producer: '' });
  });

  it('reads nothing from a model without a recipe and refuses a malformed one', () => {
    const model = new Model();
    expect(readRecipe(model)).toBeUndefined();
    model.metadataProps.set(RECIPE_KEY, '{"tool":"vit-opt"');
    expect(() => readRecipe(model)).toThrow(/metadata_props\['vit-opt.recipe'\] is not JSON/);
    model.metadataProps.set(RECIPE_KEY, '{"tool":"other"}');
    expect(() => readRecipe(model)).toThrow(/lacks tool, version, mode/);
  });
});
