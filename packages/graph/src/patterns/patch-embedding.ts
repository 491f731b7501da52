import type { Graph } from '../ir/graph.js';
import type { Node } from '../ir/node.js';
import type { Value } from '../ir/value.js';
import { convMatchOf, type ConvMatch } from './conv-layer.js';
import { constantTensorOf, dataUses, isOp, sourceOf, splitConstantOperand } from './graph-walk.js';

/** The Conv that cuts the image into patches and projects each one to the hidden size. */
export interface PatchEmbedding {
  node: string;
  weight: string;
  inChannels: number;
  hiddenSize: number;
  kernelShape: number[];
  strides: number[];
  /** The side of a square patch; null for rectangular patches (see kernelShape). */
  patchSize: number | null;
  /** From the model input's static height and width; null when they are symbolic. */
  imageSize: { height: number; width: number } | null;
  /** Patches per image: from the static image size, else from the position embedding's length. */
  patchCount: number | null;
}

/** The learned tokens added to the patch sequence. */
export interface TokenEmbeddings {
  /** The class token prepended to the patches (an initializer of hidden-size elements). */
  clsToken: string | null;
  positionEmbedding: { initializer: string; tokenCount: number } | null;
}

/**
 * The first Conv whose kernel equals its stride (non-overlapping patches) over a constant
 * [hidden, channels, kh, kw] weight.
 */
export function findPatchEmbedding(
  graph: Graph,
): { node: Node; embedding: PatchEmbedding } | undefined {
  for (const node of graph.nodes) {
    const conv = convMatchOf(node);
    const embedding = conv === undefined ? undefined : describePatchConv(conv);
    if (embedding !== undefined) return { node, embedding };
  }
  return undefined;
}

function describePatchConv(match: ConvMatch): PatchEmbedding | undefined {
  const { node: conv, weightTensor } = match;
  if (weightTensor.dims.length !== 4 || conv.int('group', 1) !== 1) return undefined;
  const [hiddenSize, inChannels, kh, kw] = weightTensor.dims as [number, number, number, number];
  const kernelShape = conv.ints('kernel_shape') ?? [kh, kw];
  const strides = conv.ints('strides') ?? [1, 1];
  const nonOverlapping =
    kernelShape.length === 2 && kernelShape.every((k, i) => k > 1 && k === strides[i]);
  if (!nonOverlapping) return undefined;
  const imageSize = staticImageSize(match.input);
  const pads = conv.ints('pads') ?? [0, 0, 0, 0];
  const patchesAlong = (size: number, axis: number): number =>
    Math.floor((size + pads[axis]! + pads[axis + 2]! - kernelShape[axis]!) / strides[axis]!) + 1;
  return {
    node: conv.name,
    weight: match.weight.name,
    inChannels,
    hiddenSize,
    kernelShape,
    strides,
    patchSize: kernelShape[0] === kernelShape[1] ? kernelShape[0]! : null,
    imageSize,
    patchCount:
      imageSize === null
        ? null
        : patchesAlong(imageSize.height, 0) * patchesAlong(imageSize.width, 1),
  };
}

/** Height and width of the NCHW graph input the Conv reads, when both are static. */
function staticImageSize(pixels: Value | undefined): { height: number; width: number } | null {
  let current = sourceOf(pixels);
  // In-graph preprocessing (cast, normalisation) may sit between the input and the Conv.
  for (let step = 0; current !== undefined && !current.isGraphInput && step < 4; step++) {
    const producer = current.producer();
    current = sourceOf(
      isOp(producer, 'Cast')
        ? producer.inputs[0]
        : isOp(producer, 'Sub', 'Div', 'Mul', 'Add')
          ? splitConstantOperand(producer)?.variable
          : undefined,
    );
  }
  const shape = current?.isGraphInput ? current.tensorType?.shape : undefined;
  const [, , height, width] = shape ?? [];
  return shape?.length === 4 && typeof height === 'number' && typeof width === 'number'
    ? { height, width }
    : null;
}

/**
 * The class token and position embedding, found by following the patch sequence from the Conv:
 * Reshape/Flatten → Transpose → Concat with the expanded class token → Add of the position table.
 */
export function findTokenEmbeddings(conv: Node, hiddenSize: number): TokenEmbeddings {
  const found: TokenEmbeddings = { clsToken: null, positionEmbedding: null };
  let current = conv.outputs[0];
  for (let step = 0; current !== undefined && step < 8; step++) {
    const uses = dataUses(current);
    if (uses.length !== 1) break;
    const node = uses[0]!.node;
    if (isOp(node, 'Concat')) {
      found.clsToken ??= clsTokenAmong(
        node.inputs.filter((v) => v !== current),
        hiddenSize,
      );
    } else if (isOp(node, 'Add')) {
      const table = splitConstantOperand(node)?.constant;
      const dims = constantTensorOf(table)?.dims;
      if (
        table === undefined ||
        dims === undefined ||
        dims.length < 2 ||
        dims.at(-1) !== hiddenSize
      )
        break;
      found.positionEmbedding = { initializer: sourceOf(table).name, tokenCount: dims.at(-2)! };
    } else if (!isOp(node, 'Reshape', 'Flatten', 'Transpose', 'Cast', 'Identity')) {
      break;
    }
    current = node.outputs[0];
  }
  return found;
}

/** A Concat operand that is a hidden-size constant, possibly broadcast over the batch. */
function clsTokenAmong(
  operands: readonly (Value | undefined)[],
  hiddenSize: number,
): string | null {
  for (const operand of operands) {
    let current = sourceOf(operand);
    for (let step = 0; current !== undefined && step < 4; step++) {
      const tensor = constantTensorOf(current);
      if (tensor !== undefined) {
        if (tensor.elementCount === hiddenSize) return current.name;
        break;
      }
      const producer = current.producer();
      current = sourceOf(
        isOp(producer, 'Expand', 'Tile', 'Cast', 'Unsqueeze') ? producer.inputs[0] : undefined,
      );
    }
  }
  return null;
}
