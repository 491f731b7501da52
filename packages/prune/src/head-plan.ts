import { VitOptError } from '@vit-opt/graph';
import type { AttentionLayer } from './attention-layers.js';

/**
 * Heads to remove, by attention layer: `{ 0: [1, 3], 5: [0] }`, the meaning of Hugging Face's
 * `prune_heads` dict. Layers not named keep every head.
 */
export type HeadPlan = Readonly<Record<number, readonly number[]>>;

/**
 * The plan checked against the model's layers, as sorted sets of heads removed and kept per
 * layer. A missing layer or head, or a layer left without heads, is refused.
 */
export function resolveHeadPlan(
  layers: readonly AttentionLayer[],
  plan: HeadPlan,
): Map<number, { removed: number[]; kept: number[] }> {
  const resolved = new Map<number, { removed: number[]; kept: number[] }>();
  if (plan === null || typeof plan !== 'object' || Array.isArray(plan)) {
    throw invalid('must map layer indices to lists of head indices, e.g. {"0":[1,3]}');
  }
  for (const [key, heads] of Object.entries(plan)) {
    const index = Number(key);
    const layer = Number.isInteger(index) ? layers[index] : undefined;
    if (layer === undefined) {
      throw invalid(
        `names layer ${key}, but the model has ${layers.length} attention layers (0–${layers.length - 1})`,
      );
    }
    if (!Array.isArray(heads)) throw invalid(`layer ${key}: heads must be a list of indices`);
    const removed = new Set<number>();
    for (const head of heads as unknown[]) {
      if (typeof head !== 'number' || !Number.isInteger(head) || head < 0 || head >= layer.heads) {
        throw invalid(
          `layer ${key} has heads 0–${layer.heads - 1}; the plan names head ${String(head)}`,
        );
      }
      removed.add(head);
    }
    if (removed.size === 0) continue;
    if (removed.size >= layer.heads) {
      throw invalid(
        `removes every head of layer ${key} (${layer.heads} of ${layer.heads}); at least one must stay`,
      );
    }
    const kept = [];
    for (let h = 0; h < layer.heads; h++) if (!removed.has(h)) kept.push(h);
    resolved.set(index, { removed: [...removed].sort((a, b) => a - b), kept });
  }
  return resolved;
}

/** A plan from JSON text (`--plan '{"0":[1,3]}'`), as untrusted input. */
export function parseHeadPlan(text: string): HeadPlan {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw invalid(`is not JSON (${(error as Error).message})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw invalid('must be a JSON object mapping layer indices to lists of head indices');
  }
  return parsed as HeadPlan;
}

function invalid(message: string): VitOptError {
  return new VitOptError('INVALID_ARGUMENT', `the head plan ${message}`, { subject: 'plan' });
}
