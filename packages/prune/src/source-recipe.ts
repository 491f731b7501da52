import { readFileSync } from 'node:fs';
import type { Model } from '@vit-opt/graph';

/**
 * The metadata_props key eval and the report read a variant's recipe from (quantize writes its
 * own there): its `source.sha256` is how a report knows a variant belongs with its source model.
 */
const SOURCE_RECIPE_KEY = 'vit-opt.recipe';

let packageVersion: string | undefined;

/**
 * Gives a model that has no vit-opt recipe yet one saying what was done and to which model, in
 * the shape quantize's recipe has (tool, version, mode, options, createdAt, source), so eval
 * results and the report link the variant to its source even when it cannot be evaluated against
 * it on the same images (another input size). A recipe already there (a quantized model's) stays.
 */
export function writeSourceRecipe(
  model: Model,
  mode: string,
  options: Readonly<Record<string, unknown>>,
  sourceSha256: string | undefined,
): void {
  if (model.metadataProps.has(SOURCE_RECIPE_KEY)) return;
  packageVersion ??= (
    JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    }
  ).version;
  const producer = [model.producerName, model.producerVersion].filter((s) => s !== '').join(' ');
  const recipe = {
    tool: 'vit-opt',
    version: packageVersion,
    mode,
    options,
    createdAt: new Date().toISOString(),
    source: sourceSha256 === undefined ? { producer } : { producer, sha256: sourceSha256 },
  };
  model.metadataProps.set(SOURCE_RECIPE_KEY, JSON.stringify(recipe));
}
