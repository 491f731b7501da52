import {
  DataType,
  Tensor,
  VitOptError,
  attr,
  constantTensorOf,
  isOp,
  producerOf,
  resolveShapeElements,
  scalarConstant,
  smallConstantNumbers,
  splitConstantOperand,
  type Node,
  type Value,
} from '@vit-opt/graph';
import type { AttentionLayer } from './attention-layers.js';

/**
 * Rewrites the constants that encode one layer's head count and all-head width for `kept` heads:
 * the head count in each head-split Reshape's shape (a constant, a Concat piece, or the factor of
 * batch × heads in a Shape→Gather→Mul chain), the width in the head-merge Reshape, and what cuts
 * a packed projection: a Split's sizes, the Slices' constant bounds, or the E of PyTorch 2.x's
 * unflatten Reshape. Computed bounds (torchvision's, from the packed projection's own width)
 * follow the sliced weights unchanged.
 * Shared shape values are rewritten once; constants are replaced, never edited in place.
 */
export function rewriteHeadShapes(layer: AttentionLayer, kept: number): void {
  const { heads, headDim, width, block } = layer;
  const newWidth = kept * headDim;
  const done = new Set<Value | Node>();
  for (const reshape of block.headSplits) {
    rewriteShapeElement(reshape, 2, done, {
      known: (v, rank) =>
        v === heads ? kept : rank === 3 && v > 0 && v % heads === 0 ? (v / heads) * kept : v,
      factor: heads,
      newFactor: kept,
    });
  }
  // head_dim computed as embed_dim / heads (torchvision) stays right, but once heads are pruned it
  // no longer tells the head count: it becomes the constant it is, so the graph says what it does.
  const headDimDone = new Set<Value | Node>();
  for (const reshape of block.headSplits) {
    rewriteShapeElement(reshape, 1, headDimDone, { known: (v) => v, computed: headDim });
  }
  if (block.headMerge !== undefined) {
    rewriteShapeElement(block.headMerge, 1, done, {
      known: (v) => (v === width ? newWidth : v),
      computed: newWidth,
    });
  }
  for (const cut of block.qkvCuts) rewriteCut(cut, width, newWidth, done);
}

interface ElementRewrite {
  /** The new value of a constant element (`rank` of the whole shape, when known). */
  readonly known: (value: number, rank: number | undefined) => number;
  /** A computed element that is `factor` × something gets `newFactor` instead. */
  readonly factor?: number;
  readonly newFactor?: number;
  /** A computed element becomes this constant. */
  readonly computed?: number;
}

function rewriteShapeElement(
  reshape: Node,
  fromEnd: number,
  done: Set<Value | Node>,
  rewrite: ElementRewrite,
): void {
  const shape = reshape.inputs[1];
  if (shape === undefined || done.has(shape)) return;
  done.add(shape);
  const numbers = smallConstantNumbers(shape);
  if (numbers !== undefined) {
    const index = numbers.length - fromEnd;
    const next = [...numbers];
    next[index] = rewrite.known(numbers[index]!, numbers.length);
    if (next[index] !== numbers[index])
      reshape.setInput(1, int64Constant(reshape, next, constantTensorOf(shape)!.dims));
    return;
  }
  const concat = producerOf(shape);
  if (!isOp(concat, 'Concat')) throw unrecognised(reshape);
  const pieces = concat.inputs.map((input) => {
    if (input === undefined) return 0;
    const elements = resolveShapeElements(input);
    return elements.some((e) => e.kind === 'run') ? undefined : elements.length;
  });
  const rank = pieces.every((n) => n !== undefined)
    ? pieces.reduce<number>((a, b) => a + b!, 0)
    : undefined;
  let remaining = fromEnd;
  for (let i = pieces.length - 1; i >= 0; i--) {
    const count = pieces[i];
    if (count === undefined) throw unrecognised(reshape);
    if (remaining > count) {
      remaining -= count;
      continue;
    }
    const piece = concat.inputs[i]!;
    const pieceNumbers = smallConstantNumbers(piece);
    if (pieceNumbers !== undefined) {
      const at = pieceNumbers.length - remaining;
      const next = [...pieceNumbers];
      next[at] = rewrite.known(pieceNumbers[at]!, rank);
      if (next[at] !== pieceNumbers[at])
        concat.setInput(i, int64Constant(concat, next, constantTensorOf(piece)!.dims));
      return;
    }
    if (
      rewrite.factor !== undefined &&
      rewriteFactor(piece, rewrite.factor, rewrite.newFactor!, done)
    )
      return;
    if (rewrite.computed !== undefined) {
      concat.setInput(i, int64Constant(concat, [rewrite.computed], [1]));
      return;
    }
    return;
  }
  throw unrecognised(reshape);
}

/** In a computed shape element, the Mul by a constant `factor` (batch × heads) gets `newFactor`. */
function rewriteFactor(
  value: Value,
  factor: number,
  newFactor: number,
  done: Set<Value | Node>,
): boolean {
  let current: Value | undefined = value;
  for (let step = 0; current !== undefined && step < 6; step++) {
    const node = producerOf(current);
    if (isOp(node, 'Unsqueeze', 'Squeeze', 'Cast')) {
      current = node.inputs[0];
      continue;
    }
    if (!isOp(node, 'Mul')) return false;
    if (done.has(node)) return true;
    const split = splitConstantOperand(node);
    if (split === undefined || scalarConstant(split.constant) !== factor) return false;
    const tensor = constantTensorOf(split.constant)!;
    const replacement = Tensor.fromNumbers(
      { dtype: tensor.dtype, dims: tensor.dims },
      tensor.dtype === DataType.INT64 ? [BigInt(newFactor)] : [newFactor],
    );
    node.setInput(
      node.inputs.indexOf(split.constant),
      node.graph.addInitializer(replacement, 'heads'),
    );
    done.add(node);
    return true;
  }
  return false;
}

/**
 * A Split's sizes or a Slice's constant bounds on the packed axis, or the E of PyTorch 2.x's
 * unflatten Reshape to [L, N, 3, E], for the new width. That E is the embed dim the export read
 * off its input, which pruning makes wider than the heads left: when computed, it becomes the
 * constant new width.
 */
function rewriteCut(cut: Node, width: number, newWidth: number, done: Set<Value | Node>): void {
  const scaled = (v: number): number =>
    v !== 0 && v % width === 0 && Math.abs(v / width) <= 3 ? (v / width) * newWidth : v;
  if (isOp(cut, 'Reshape')) {
    rewriteShapeElement(cut, 1, done, {
      known: (v) => (v === width ? newWidth : v),
      computed: newWidth,
    });
    return;
  }
  if (isOp(cut, 'Split')) {
    const sizesInput = cut.inputs[1];
    const sizes = smallConstantNumbers(sizesInput);
    if (sizes !== undefined) cut.setInput(1, int64Constant(cut, sizes.map(scaled), [sizes.length]));
    // Before opset 13 the sizes are an attribute.
    const attribute = cut.ints('split');
    if (attribute !== undefined) cut.setAttribute(attr.ints('split', attribute.map(scaled)));
    return;
  }
  if (!isOp(cut, 'Slice')) return;
  for (const index of [1, 2]) {
    const bound = cut.inputs[index];
    const numbers = smallConstantNumbers(bound);
    if (numbers === undefined) continue;
    const next = numbers.map(scaled);
    const tensor = constantTensorOf(bound)!;
    if (next.some((v, i) => v !== numbers[i]))
      cut.setInput(index, int64Constant(cut, next, tensor.dims, tensor.dtype));
  }
}

/** A shape-like constant (int64 unless `dtype` says int32). */
function int64Constant(
  node: Node,
  values: readonly number[],
  dims: readonly number[],
  dtype: DataType = DataType.INT64,
): Value {
  const data = dtype === DataType.INT64 ? values.map(BigInt) : values;
  return node.graph.addInitializer(Tensor.fromNumbers({ dtype, dims }, data), 'shape');
}

function unrecognised(reshape: Node): VitOptError {
  return new VitOptError(
    'UNSUPPORTED',
    `cannot find the head count or width in the shape of Reshape '${reshape.name}'`,
    {
      subject: reshape.name,
    },
  );
}
