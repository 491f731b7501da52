import {
  Tensor,
  VitOptError,
  constantTensorOf,
  isOp,
  producerOf,
  resolveShapeElements,
  smallConstantNumbers,
  type AttentionMatch,
  type Graph,
  type Node,
  type Value,
} from '@vit-opt/graph';

/** Old → new of every number that encodes the input size: tokens, patches, grid side, image side. */
export type SizeChange = ReadonlyMap<number, { readonly to: number; readonly what: string }>;

/** Inputs of these ops hold shapes or bounds that may be sized by the token count. */
const SHAPE_OPERANDS: Readonly<Record<string, readonly number[]>> = {
  Reshape: [1],
  Expand: [1],
  Slice: [1, 2],
  Split: [1],
  ConstantOfShape: [0],
};

export interface TokenShapeSites {
  /** The Reshape or Flatten that turns the patch Conv's output into a sequence: its last element is the patch count. */
  readonly patchFlatten: Node | undefined;
  /** The attention blocks, whose head layout elements are never rewritten. */
  readonly attention: readonly AttentionMatch[];
  /** Sizes the model is built of (heads, head size, widths…), by value: a changed number equal to one is ambiguous. */
  readonly structural: ReadonlyMap<number, string>;
}

/**
 * Rewrites the constants that hold the token count, patch count, grid side or image side for the
 * new input size: Reshape and Expand shapes (constants, or constant pieces of a Concat), Slice
 * bounds, Split sizes, ConstantOfShape shapes. Shapes computed at run time (Shape→Gather chains)
 * follow by themselves. The head count and head size in the attention blocks' split and merge
 * shapes, and the cuts of a packed q/k/v projection, are left alone; elsewhere a number that both
 * the input size and a model size could be is refused rather than guessed. Constants are
 * replaced, never edited in place. Returns the names of the nodes changed.
 */
export function rewriteTokenShapes(
  graph: Graph,
  change: SizeChange,
  sites: TokenShapeSites,
): string[] {
  const layoutEnds = new Map<Node, readonly number[]>();
  for (const block of sites.attention) {
    for (const split of block.headSplits) layoutEnds.set(split, [1, 2]);
    if (block.headMerge !== undefined) layoutEnds.set(block.headMerge, [1]);
    // PyTorch 2.x's unflatten to [L, N, 3, E]: L may be the token count, 3 and E are layout.
    for (const cut of block.qkvCuts) layoutEnds.set(cut, cut.opType === 'Reshape' ? [1, 2] : []);
  }
  const done = new Set<Value>();
  const changed = new Set<string>();
  for (const node of [...graph.nodes]) {
    const operands = SHAPE_OPERANDS[node.opType];
    if (operands === undefined || node.domain !== '') continue;
    if (layoutEnds.get(node)?.length === 0) continue;
    const rewrite = (value: number, fromEnd: number): number => {
      if (layoutEnds.get(node)?.includes(fromEnd) === true) return value;
      const next = change.get(value);
      if (next === undefined) return value;
      if (node === sites.patchFlatten && fromEnd === 1) return next.to;
      const model = sites.structural.get(value);
      if (model !== undefined) {
        throw new VitOptError(
          'UNSUPPORTED',
          `${node.opType} '${node.name}' holds the constant ${value}, which may be the ${next.what} ` +
            `or the ${model}: cannot tell whether it changes with the input size`,
          { subject: 'model' },
        );
      }
      return next.to;
    };
    for (const index of operands) {
      const operand = node.inputs[index];
      if (operand === undefined || done.has(operand)) continue;
      done.add(operand);
      if (rewriteOperand(node, index, operand, rewrite)) changed.add(node.name);
    }
  }
  return [...changed];
}

/** A constant operand, or the constant pieces of the Concat that builds it; true if one changed. */
function rewriteOperand(
  node: Node,
  index: number,
  operand: Value,
  rewrite: (value: number, fromEnd: number) => number,
): boolean {
  if (smallConstantNumbers(operand) !== undefined) {
    return replaceConstant(node, index, operand, (v, i, n) => rewrite(v, n - i));
  }
  const concat = producerOf(operand);
  if (!isOp(concat, 'Concat')) return false;
  // Each piece's place from the end of the shape, as long as the pieces after it have known lengths.
  let after = 0;
  let changed = false;
  for (let i = concat.inputs.length - 1; i >= 0; i--) {
    const piece = concat.inputs[i];
    if (piece === undefined) continue;
    const elements = resolveShapeElements(piece);
    if (elements.some((e) => e.kind === 'run')) break;
    const offset = after;
    if (smallConstantNumbers(piece) !== undefined) {
      changed =
        replaceConstant(concat, i, piece, (v, j, n) => rewrite(v, offset + n - j)) || changed;
    }
    after += elements.length;
  }
  return changed;
}

/** Replaces input `index` of `node` by a new constant when `map` changes an element. */
function replaceConstant(
  node: Node,
  index: number,
  value: Value,
  map: (value: number, index: number, length: number) => number,
): boolean {
  const numbers = smallConstantNumbers(value)!;
  const next = numbers.map((v, i) => map(v, i, numbers.length));
  if (next.every((v, i) => v === numbers[i])) return false;
  const tensor = constantTensorOf(value)!;
  // Unchanged elements are copied as stored: an int64 bound like INT64_MAX is not a safe number.
  const data = tensor.data().slice();
  next.forEach((v, i) => {
    if (v !== numbers[i]) data[i] = typeof data[i] === 'bigint' ? BigInt(v) : v;
  });
  const replacement = Tensor.fromArray({ dtype: tensor.dtype, dims: tensor.dims }, data);
  node.setInput(index, node.graph.addInitializer(replacement, 'resized_shape'));
  return true;
}
