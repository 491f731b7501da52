import { cleanup, definePass, type Model, type Pass } from '@vit-opt/graph';
import { assertNotQuantized } from '../model-checks.js';
import { OptionReader } from '../options/option-readers.js';
import { FUSION_KEY } from '../recipe.js';
import { fuseAttention, type AttentionFusionStyle } from './attention-fusion.js';
import { importMicrosoftDomain, type SkippedFusion } from './fusion-graph.js';
import { fuseGelu, type GeluFusionStyle } from './gelu-fusion.js';
import { fuseSkipLayerNorm } from './skip-layer-norm-fusion.js';

export interface TransformerFusionOptions {
  /**
   * The attention op to fuse into (default 'packed': com.microsoft Attention, which dynamic
   * quantization makes QAttention — the fastest int8 layout measured on ViT-B/16, see
   * BENCHMARKS.md), or 'none'.
   */
  attention?: AttentionFusionStyle | 'none';
  /**
   * Residual Add + LayerNorm → SkipLayerNormalization (default false). onnxruntime's CPU kernel
   * for it is scalar code: on ViT-B/16 its 24 nodes took 10.3 ms per image against 3.0 ms for the
   * Add + LayerNormalization it replaces, so it pays only on other execution providers.
   */
  skipLayerNorm?: boolean;
  /**
   * The erf GELU → com.microsoft Gelu ('gelu', the default), or BiasGelu taking in its Linear's
   * bias ('bias-gelu'), or left as is ('none'). BiasGelu keeps the bias from being folded into
   * the quantized MatMul before it, which measured slower in int8 (3 % on ViT-B/16); in float
   * onnxruntime makes BiasGelu by itself.
   */
  gelu?: GeluFusionStyle | 'none';
}

interface TransformerFusionSettings {
  readonly attention: AttentionFusionStyle | 'none';
  readonly skipLayerNorm: boolean;
  readonly gelu: GeluFusionStyle | 'none';
}

export interface TransformerFusionReport {
  /** Attention / MultiHeadAttention nodes made. */
  readonly attention: string[];
  readonly skipLayerNorm: string[];
  readonly gelu: string[];
  readonly biasGelu: string[];
  /** Patterns found but left alone, with the reason. */
  readonly skipped: SkippedFusion[];
}

const KEYS = ['attention', 'skipLayerNorm', 'gelu'];

function normalizeFusionOptions(options: TransformerFusionOptions): TransformerFusionSettings {
  const read = new OptionReader('transformer fusion', options, KEYS);
  return {
    attention: read.oneOf('attention', 'packed', ['packed', 'multi-head', 'none'] as const),
    skipLayerNorm: read.boolean('skipLayerNorm', false),
    gelu: read.oneOf('gelu', 'gelu', ['gelu', 'bias-gelu', 'none'] as const),
  };
}

/**
 * onnxruntime's offline transformer optimization for a ViT, on our IR: attention into
 * com.microsoft Attention (or MultiHeadAttention), optionally residual Add + LayerNorm into
 * SkipLayerNormalization, the erf GELU into Gelu (or BiasGelu). onnxruntime's session optimizer
 * does not fuse a ViT export's attention itself. Run it before quantizeDynamic, which turns
 * Attention into QAttention. The result needs onnxruntime (the com.microsoft domain) to run.
 */
export function fuseTransformer(
  model: Model,
  options: TransformerFusionOptions = {},
): TransformerFusionReport {
  const settings = normalizeFusionOptions(options);
  // Fuse the float model, then quantize: the fusions match float ops.
  assertNotQuantized(model, 'fuse the transformer');
  const graph = model.graph;
  const gelu =
    settings.gelu === 'none'
      ? { gelu: [], biasGelu: [], skipped: [] }
      : fuseGelu(graph, settings.gelu);
  const skipLayerNorm = settings.skipLayerNorm
    ? fuseSkipLayerNorm(graph)
    : { fused: [], skipped: [] };
  const attention =
    settings.attention === 'none'
      ? { fused: [], skipped: [] }
      : fuseAttention(graph, settings.attention);
  const report: TransformerFusionReport = {
    attention: attention.fused,
    skipLayerNorm: skipLayerNorm.fused,
    gelu: gelu.gelu,
    biasGelu: gelu.biasGelu,
    skipped: [...attention.skipped, ...skipLayerNorm.skipped, ...gelu.skipped],
  };
  if (fusedCount(report) > 0) {
    importMicrosoftDomain(model);
    const fused = {
      attention: report.attention.length,
      skipLayerNorm: report.skipLayerNorm.length,
      gelu: report.gelu.length,
      biasGelu: report.biasGelu.length,
    };
    model.metadataProps.set(FUSION_KEY, JSON.stringify({ options: settings, fused }));
    // The fused patterns leave behind the constants only they read (epsilons, GELU's factors…).
    cleanup(model.graph);
  }
  return report;
}

/** fuseTransformer as a pass for runPasses (options checked now). */
export function fuseTransformerPass(options: TransformerFusionOptions = {}): Pass {
  normalizeFusionOptions(options);
  return definePass('fuse-transformer', (model) => {
    const report = fuseTransformer(model, options);
    const count = fusedCount(report);
    return count === 0 ? { modified: false } : { modified: true, notes: [summarizeFusion(report)] };
  });
}

function fusedCount(report: TransformerFusionReport): number {
  return (
    report.attention.length +
    report.skipLayerNorm.length +
    report.gelu.length +
    report.biasGelu.length
  );
}

/** "fused 12 Attention, 24 SkipLayerNormalization, 12 BiasGelu; left 1 pattern alone". */
export function summarizeFusion(report: TransformerFusionReport): string {
  const parts = [
    [report.attention.length, 'attention'],
    [report.skipLayerNorm.length, 'SkipLayerNormalization'],
    [report.biasGelu.length, 'BiasGelu'],
    [report.gelu.length, 'Gelu'],
  ]
    .filter(([count]) => (count as number) > 0)
    .map(([count, op]) => `${count} ${op}`);
  const fused = parts.length === 0 ? 'fused nothing' : `fused ${parts.join(', ')}`;
  const skipped = report.skipped.length;
  return skipped === 0
    ? fused
    : `${fused}; left ${skipped} pattern${skipped === 1 ? '' : 's'} alone`;
}
