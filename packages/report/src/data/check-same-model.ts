import { VitOptError } from '@vit-opt/graph';
import type { ModelDescription } from '@vit-opt/eval/results';
import type { ReportInput } from '../inputs/report-input.js';

/**
 * Refuses results of different models in one report. Two results are of one model when a chain
 * of model hashes links them: a variant's recipe names the SHA-256 of the model it was made from,
 * and an eval run with --baseline names its baseline's. So fp32, int8 and int4 results of one
 * model belong together, even without the fp32 model's own results.
 */
export function checkSameModel(inputs: readonly ReportInput[]): void {
  const parent = new Map<string, string>();
  const find = (id: string): string => {
    let root = id;
    while (parent.has(root) && parent.get(root) !== root) root = parent.get(root)!;
    parent.set(id, root);
    return root;
  };
  const union = (a: string, b: string): void => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(rb, ra);
  };
  for (const { results } of inputs) {
    const ids = modelIdentities(results.model);
    if (results.kind === 'eval' && results.baseline_model !== null) {
      ids.push(...modelIdentities(results.baseline_model));
    }
    for (const id of ids) union(ids[0]!, id);
  }
  const first = inputs[0];
  if (first === undefined) return;
  const root = find(first.results.model.sha256);
  const other = inputs.find((input) => find(input.results.model.sha256) !== root);
  if (other === undefined) return;
  throw new VitOptError(
    'INVALID_ARGUMENT',
    `results of a different model than ${first.source} (source model ${sourceOf(other.results.model)}, ` +
      `not ${sourceOf(first.results.model)}); a report compares variants of one model`,
    { subject: other.source },
  );
}

/** The model's own hash, and the hash of the model its recipe says it was made from. */
function modelIdentities(model: ModelDescription): string[] {
  const source = recipeSourceSha256(model);
  return source === undefined ? [model.sha256] : [model.sha256, source];
}

export function recipeSourceSha256(model: ModelDescription): string | undefined {
  const source = model.recipe?.['source'];
  if (typeof source !== 'object' || source === null) return undefined;
  const sha = (source as { sha256?: unknown }).sha256;
  return typeof sha === 'string' ? sha : undefined;
}

function sourceOf(model: ModelDescription): string {
  return (recipeSourceSha256(model) ?? model.sha256).slice(0, 12);
}
