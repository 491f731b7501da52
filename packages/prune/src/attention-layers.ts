import {
  VitOptError,
  findAttentionBlocks,
  type AttentionMatch,
  type LinearMatch,
  type Model,
} from '@vit-opt/graph';

/** A self-attention block whose heads a pass can score and remove. */
export interface AttentionLayer {
  /** Position among the model's attention blocks, in graph order (the key of a head plan). */
  readonly index: number;
  readonly block: AttentionMatch;
  readonly heads: number;
  readonly headDim: number;
  /** heads × headDim: the features of q, k and v, and the input features of `output`. */
  readonly width: number;
  /** The projection of the merged heads back to the hidden size. */
  readonly output: LinearMatch;
}

const LOOKED_FOR =
  'a Softmax between a Q·Kᵀ MatMul and a ·V MatMul, whose q, k and v come from Linear layers ' +
  '(MatMul + Add or Gemm with constant weights: three separate projections, or one packed ' +
  'in-projection cut by Slice, Split or Gather), split into heads by Reshapes, merged by a Reshape and ' +
  'projected back by a Linear layer';

/**
 * Every attention block of the model with what head pruning needs known: its head count and size
 * (from the graph's shape constants or its softmax scale) and its output projection. A model with
 * none, or with a block that lacks them, is refused with what was looked for.
 */
export function findAttentionLayers(model: Model): AttentionLayer[] {
  const blocks = findAttentionBlocks(model.graph);
  if (blocks.length === 0) {
    throw new VitOptError(
      'UNSUPPORTED',
      `no attention block recognised in the model; looked for ${LOOKED_FOR}`,
      { subject: 'model' },
    );
  }
  return blocks.map((block, index) => {
    const where = `attention block ${index} (Softmax '${block.softmax.name}')`;
    if (block.layout === undefined) {
      throw new VitOptError(
        'UNSUPPORTED',
        `${where}: its head count is not recognisable (no head-split Reshape constant or constant softmax scale gives it)`,
        { subject: 'model' },
      );
    }
    if (block.output === undefined) {
      throw new VitOptError('UNSUPPORTED', `${where}: no output projection after the head merge`, {
        subject: 'model',
      });
    }
    return {
      index,
      block,
      heads: block.layout.heads,
      headDim: block.layout.headDim,
      width: block.width,
      output: block.output,
    };
  });
}

/** The q/k/v feature indices of `heads` in a projection `width` wide (one part of a packed one). */
export function headFeatures(heads: Iterable<number>, headDim: number): number[] {
  const features: number[] = [];
  for (const head of heads) for (let j = 0; j < headDim; j++) features.push(head * headDim + j);
  return features;
}
