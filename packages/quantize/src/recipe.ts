import { readFileSync } from 'node:fs';
import { VitOptError, type Model } from '@vit-opt/graph';

/** The metadata_props key that holds the recipe. */
export const RECIPE_KEY = 'vit-opt.recipe';

/** The metadata_props key fuseTransformer leaves its settings and counts under, for the recipe. */
export const FUSION_KEY = 'vit-opt.fusion';

export type RecipeMode = 'dynamic' | 'static' | 'fp16' | 'int4';

/** How a model variant was made: written into the model so eval and report can say it. */
export interface Recipe {
  readonly tool: 'vit-opt';
  /** Version of @vit-opt/quantize that wrote it. */
  readonly version: string;
  readonly mode: RecipeMode;
  /** The mode's options after validation and defaults, as JSON. */
  readonly options: Readonly<Record<string, unknown>>;
  /** ISO 8601. */
  readonly createdAt: string;
  readonly source: {
    /** The source model's producer_name and producer_version, e.g. "pytorch 1.13.0". */
    readonly producer: string;
    readonly sha256?: string;
  };
  /** The transformer fusion run before quantizing: its options and what it fused. */
  readonly fusion?: Readonly<Record<string, unknown>>;
  /** The CPU target of an int8 model: requested, resolved, why, and what `auto` read. */
  readonly target?: Readonly<Record<string, unknown>>;
}

/** A recipe for `model` (before it is changed: the producer is the source model's). */
export function makeRecipe(
  model: Model,
  mode: RecipeMode,
  options: Readonly<Record<string, unknown>>,
  sourceSha256: string | undefined,
  target?: Readonly<Record<string, unknown>>,
): Recipe {
  const producer = [model.producerName, model.producerVersion].filter((s) => s !== '').join(' ');
  const fusion = model.metadataProps.get(FUSION_KEY);
  return {
    tool: 'vit-opt',
    version: quantizeVersion(),
    mode,
    options,
    createdAt: new Date().toISOString(),
    source: sourceSha256 === undefined ? { producer } : { producer, sha256: sourceSha256 },
    ...(fusion === undefined ? {} : { fusion: JSON.parse(fusion) as Record<string, unknown> }),
    ...(target === undefined ? {} : { target }),
  };
}

export function writeRecipe(model: Model, recipe: Recipe): void {
  model.metadataProps.set(RECIPE_KEY, JSON.stringify(recipe));
}

/** The recipe a model carries; undefined when it has none; an error when it is not a recipe. */
export function readRecipe(model: Model): Recipe | undefined {
  const text = model.metadataProps.get(RECIPE_KEY);
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw corrupt(`is not JSON (${(error as Error).message})`, error);
  }
  if (!isRecipe(parsed)) throw corrupt('lacks tool, version, mode, options, createdAt or source');
  return parsed;
}

function isRecipe(value: unknown): value is Recipe {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  const source = r.source as Record<string, unknown> | null | undefined;
  return (
    r.tool === 'vit-opt' &&
    typeof r.version === 'string' &&
    typeof r.mode === 'string' &&
    typeof r.options === 'object' &&
    r.options !== null &&
    typeof r.createdAt === 'string' &&
    typeof source === 'object' &&
    source !== null &&
    typeof source.producer === 'string'
  );
}

function corrupt(problem: string, cause?: unknown): VitOptError {
  return new VitOptError('CORRUPT', `metadata_props['${RECIPE_KEY}'] ${problem}`, {
    subject: 'model',
    cause,
  });
}

let version: string | undefined;

/** The package's version, read once from its package.json (one level above src/ and dist/). */
function quantizeVersion(): string {
  version ??= (
    JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    }
  ).version;
  return version;
}
