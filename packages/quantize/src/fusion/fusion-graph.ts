import { constantTensorOf, constantOf, type Model, type Node, type Value } from '@vit-opt/graph';

/** onnxruntime's contrib-op domain: Attention, SkipLayerNormalization, BiasGelu, QAttention… */
export const MICROSOFT_DOMAIN = 'com.microsoft';

/** A pattern a fusion found but left alone, and why. */
export interface SkippedFusion {
  /** The node the pattern is known by (its Softmax, Erf or last LayerNorm node). */
  readonly node: string;
  readonly reason: string;
}

/** Makes the model import onnxruntime's contrib domain (version 1, the only one). */
export function importMicrosoftDomain(model: Model): void {
  if (!model.opsetImports.has(MICROSOFT_DOMAIN)) model.opsetImports.set(MICROSOFT_DOMAIN, 1);
}

/** Whether every use of every output of `nodes`, but those of `result`, is by one of `nodes`. */
export function isSelfContained(nodes: readonly Node[], result: Value): boolean {
  const members = new Set(nodes);
  return nodes.every((node) =>
    node.outputs.every(
      (out) =>
        out === undefined ||
        out === result ||
        (!out.isGraphOutput && out.uses().every((use) => members.has(use.node))),
    ),
  );
}

/**
 * Makes `replacement` stand for `old`: takes over its uses, graph-output slot and type, then
 * removes the pattern's nodes that nothing uses any more and, once `old`'s name is free, takes the
 * name too, so nothing downstream changes.
 */
export function takeOver(old: Value, replacement: Value, pattern: readonly Node[]): void {
  const { name, graph } = old;
  old.replaceAllUsesWith(replacement);
  replacement.type = old.type;
  removeUnusedNodes(pattern);
  if (graph.value(name) === undefined) replacement.rename(name);
}

/**
 * Removes those of `nodes` whose outputs nothing uses, last first, so chains go in one sweep.
 * takeOver needs them gone at once, to free the old name; the pass's cleanup() comes too late.
 */
function removeUnusedNodes(nodes: readonly Node[]): void {
  for (const node of [...nodes].reverse()) {
    if (
      node.outputs.some((out) => out !== undefined && (out.uses().length > 0 || out.isGraphOutput))
    )
      continue;
    // A node of a pattern listed twice (a shared input) is removed once.
    if (node.outputs.every((out) => out === undefined || out.producer() !== node)) continue;
    node.graph.removeNode(node);
  }
}

/** A constant float32 vector's data, or undefined. */
export function constantVector(value: Value | undefined): Float32Array | undefined {
  if (value === undefined) return undefined;
  const tensor = constantOf(value) ?? constantTensorOf(value);
  if (tensor === undefined || tensor.dims.length !== 1 || tensor.dtype !== 1) return undefined;
  return tensor.float32();
}

/** The shared prefix of node names, up to a '/', for naming what replaces them. */
export function commonScope(names: readonly string[]): string {
  let prefix = names[0] ?? '';
  for (const name of names) while (!name.startsWith(prefix)) prefix = prefix.slice(0, -1);
  const slash = prefix.lastIndexOf('/');
  return slash > 0 ? prefix.slice(0, slash) : prefix;
}
