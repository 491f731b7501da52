import { VitOptError } from '@vit-opt/graph';
import type { ModelDescription } from '@vit-opt/eval/results';
import { recipeSourceSha256 } from './check-same-model.js';
import { nameFromModelPath, uniqueName } from './group-variants.js';
import type { Variant } from './report-data.js';

export interface BaselineChoice {
  /** The variants with the baseline first (added when only eval runs' --baseline named it). */
  readonly variants: Variant[];
  readonly baseline: Variant;
  readonly reason: string;
}

/**
 * Which variant the others are compared with:
 * 1. the one the caller asks for (a variant's name, model path or SHA-256 prefix);
 * 2. else the model eval runs compared against (`vit-opt eval --baseline`), the one most of them
 *    name; it joins the report even without results of its own, with the top-1 those runs
 *    measured for it;
 * 3. else the variant without a vit-opt recipe (the float model the others were made from,
 *    preferring the one a recipe names as its source);
 * 4. else the variant of the first file given.
 */
export function chooseBaseline(variants: readonly Variant[], requested?: string): BaselineChoice {
  if (requested !== undefined) {
    const match = findVariant(variants, requested);
    if (match === undefined) {
      throw new VitOptError(
        'INVALID_ARGUMENT',
        `no variant "${requested}" among ${variants.map((v) => `"${v.name}"`).join(', ')} ` +
          '(give a variant name, model path or SHA-256 prefix)',
        { subject: 'baseline' },
      );
    }
    return first(variants, match, 'as asked (vit-opt report --baseline, or the pipeline’s baseline variant)');
  }
  const named = mostNamedBaseline(variants);
  if (named !== undefined) {
    const present = variants.find((v) => v.model.sha256 === named.model.sha256);
    const reason = 'the model the eval runs compared against (vit-opt eval --baseline)';
    if (present !== undefined) return first(variants, present, reason);
    const taken = new Set(variants.map((v) => v.name));
    const added: Variant = {
      name: uniqueName(nameFromModelPath(named.model.path), taken),
      model: named.model,
      eval: null,
      bench: [],
      measurements: [],
      baselineTop1: named.top1,
    };
    return { variants: [added, ...variants], baseline: added, reason };
  }
  const float = variants.filter((v) => v.model.recipe === null);
  const sources = new Set(variants.map((v) => recipeSourceSha256(v.model)));
  const source = float.find((v) => sources.has(v.model.sha256)) ?? float[0];
  if (source !== undefined) {
    return first(variants, source, 'the model without a vit-opt recipe (the original float model)');
  }
  return first(variants, variants[0]!, 'the first results file given (every model has a recipe)');
}

function first(variants: readonly Variant[], baseline: Variant, reason: string): BaselineChoice {
  return { variants: [baseline, ...variants.filter((v) => v !== baseline)], baseline, reason };
}

function findVariant(variants: readonly Variant[], wanted: string): Variant | undefined {
  const lower = wanted.toLowerCase();
  return (
    variants.find((v) => v.name === wanted) ??
    variants.find((v) => v.model.path === wanted) ??
    (/^[0-9a-f]{8,64}$/.test(lower)
      ? variants.find((v) => v.model.sha256.startsWith(lower))
      : undefined)
  );
}

/** The baseline model most eval runs name, with the top-1 the first of them measured for it. */
function mostNamedBaseline(
  variants: readonly Variant[],
): { model: ModelDescription; top1: number | null } | undefined {
  const counts = new Map<string, { model: ModelDescription; top1: number | null; count: number }>();
  for (const variant of variants) {
    const results = variant.eval?.results;
    if (results?.baseline_model == null) continue;
    const entry = counts.get(results.baseline_model.sha256) ?? {
      model: results.baseline_model,
      top1: 'baseline_top1' in results.metrics ? results.metrics.baseline_top1 : null,
      count: 0,
    };
    entry.count++;
    counts.set(results.baseline_model.sha256, entry);
  }
  let best: { model: ModelDescription; top1: number | null; count: number } | undefined;
  for (const entry of counts.values())
    if (best === undefined || entry.count > best.count) best = entry;
  return best;
}
