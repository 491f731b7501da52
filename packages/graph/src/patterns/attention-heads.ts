import type { Node } from '../ir/node.js';
import {
  elementFromEnd,
  resolveShapeElements,
  shapeRank,
  type ShapeElement,
} from './shape-elements.js';

/** What an attention block's graph says about its head count and head size. */
export interface HeadClues {
  /** From the Reshapes that split q/k/v into heads. */
  readonly heads: readonly number[];
  readonly headDims: readonly number[];
  /** From the softmax scale 1/√head_dim, when it is a constant. */
  readonly headDimFromScale: number | undefined;
}

export interface HeadLayout {
  readonly heads: number;
  readonly headDim: number;
}

/**
 * Clues in a Reshape that splits a projection into heads. Hugging Face reshapes to
 * [batch, seq, heads, head_dim]; torchvision's MultiheadAttention to [seq, batch·heads, head_dim]
 * with head_dim written as embed_dim / heads. Constants may sit in the shape itself or among the
 * Concat pieces around Shape→Gather values.
 */
export function headCluesOfSplitReshape(reshape: Node): { heads: number[]; headDims: number[] } {
  const shape = reshape.inputs[1];
  if (shape === undefined) return { heads: [], headDims: [] };
  const elements = resolveShapeElements(shape);
  const last = elementFromEnd(elements, 1);
  const beforeLast = elementFromEnd(elements, 2);
  const heads: number[] = [];
  const headDims: number[] = [];
  if (last.kind === 'known' && last.value > 1) headDims.push(last.value);
  // In a 3-D shape the element before head_dim is batch·heads: only its factor is the head count.
  if (beforeLast.kind === 'known' && beforeLast.value > 0 && shapeRank(elements) !== 3)
    heads.push(beforeLast.value);
  if (beforeLast.kind === 'scaled' && isWholeNumber(beforeLast.factor) && beforeLast.factor > 1) {
    heads.push(Math.round(beforeLast.factor));
  }
  // head_dim written as embed_dim / heads names the head count only while every head is there:
  // after head pruning embed_dim is still the hidden size, so the clues above come first.
  const headsDividingWidth = inverseFactor(last);
  if (headsDividingWidth !== undefined) heads.push(headsDividingWidth);
  return { heads, headDims };
}

/** head_dim from a softmax scale of 1/√head_dim; undefined unless that is a whole number. */
export function headDimOfScale(scale: number | undefined): number | undefined {
  if (scale === undefined || scale <= 0 || scale >= 1) return undefined;
  const headDim = 1 / (scale * scale);
  return isWholeNumber(headDim) ? Math.round(headDim) : undefined;
}

/**
 * Heads and head size for an attention block `width` features wide, from the most direct clue
 * that divides the width: both reshape constants, then head_dim, then heads, then the scale.
 */
export function resolveHeadLayout(width: number, clues: HeadClues): HeadLayout | undefined {
  const candidates: HeadLayout[] = [];
  for (const heads of clues.heads) {
    for (const headDim of clues.headDims) candidates.push({ heads, headDim });
  }
  for (const headDim of clues.headDims) candidates.push({ heads: width / headDim, headDim });
  for (const heads of clues.heads) candidates.push({ heads, headDim: width / heads });
  if (clues.headDimFromScale !== undefined) {
    candidates.push({ heads: width / clues.headDimFromScale, headDim: clues.headDimFromScale });
  }
  return candidates.find(
    (c) =>
      Number.isInteger(c.heads) &&
      Number.isInteger(c.headDim) &&
      c.heads > 0 &&
      c.heads * c.headDim === width,
  );
}

function inverseFactor(element: ShapeElement): number | undefined {
  if (element.kind !== 'scaled' || element.factor >= 1 || element.factor <= 0) return undefined;
  const inverse = 1 / element.factor;
  return isWholeNumber(inverse) ? Math.round(inverse) : undefined;
}

function isWholeNumber(x: number): boolean {
  return Math.abs(x - Math.round(x)) <= 1e-3 * Math.max(1, Math.abs(x));
}
