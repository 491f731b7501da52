import { describe, expect, it } from 'vitest';
import { HF, TINY, TORCHVISION, buildVit } from '../testing/vit-builder.js';
import { findAttentionBlocks } from './attention-blocks.js';
import { findMlpBlocks } from './mlp-blocks.js';

// What a structural pass (head pruning) rewrites must be in the match, in both export styles.
describe('findAttentionBlocks keeps every node a head pruner rewrites', () => {
  it('Hugging Face: three head-split Reshapes (Shape→Gather→Concat shapes), the merge Reshape', () => {
    const blocks = findAttentionBlocks(buildVit(HF).graph);
    expect(blocks).toHaveLength(2);
    const block = blocks[1]!;
    expect(block.style).toBe('separate_qkv');
    expect(block.headSplits.map((n) => n.name)).toEqual([
      'layer1.q_split',
      'layer1.k_split',
      'layer1.v_split',
    ]);
    expect(block.headSplits[0]!.inputs[1]!.producer()?.opType).toBe('Concat');
    expect(block.qkvCuts).toEqual([]);
    expect(block.headMerge?.name).toBe('layer1.merge');
    expect(block.output?.node.name).toBe('layer1.output.matmul');
    expect(block.layout).toEqual({ heads: 4, headDim: 8 });
  });

  it.each([
    ['slice', ['Slice', 'Slice', 'Slice']],
    ['split', ['Split']],
    // PyTorch 2.x: the unflatten Reshape to [L, N, 3, E] (which holds E) is a cut, not a head split.
    ['unflatten-gather', ['Reshape', 'Gather', 'Gather', 'Gather']],
  ] as const)(
    'torchvision: the packed projection, its %s cuts, the split and merge Reshapes',
    (qkvCut, cutOps) => {
      const block = findAttentionBlocks(buildVit({ ...TORCHVISION, qkvCut }).graph)[0]!;
      expect(block.style).toBe('fused_qkv');
      expect(block.query.node.name).toBe('layer0.in_proj.matmul');
      expect(block.qkvCuts.map((n) => n.opType)).toEqual(cutOps);
      expect(block.layout).toEqual({ heads: 4, headDim: 8 });
      expect(block.headSplits.map((n) => n.name)).toEqual([
        'layer0.q_split',
        'layer0.k_split',
        'layer0.v_split',
      ]);
      expect(block.headMerge?.name).toBe('layer0.merge');
      expect(block.output?.node.opType).toBe('Gemm');
    },
  );

  it('finds the MLPs without being told the attention projections', () => {
    const mlps = findMlpBlocks(buildVit(HF, { ...TINY, headsPerLayer: [2, 2, 2] }).graph);
    expect(mlps.map((m) => m.fc1.node.name)).toEqual([
      'layer0.fc1.matmul',
      'layer1.fc1.matmul',
      'layer2.fc1.matmul',
    ]);
  });
});
