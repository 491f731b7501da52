import type { Dim } from '../ir/value.js';
import type { InitializerBytes, ModelSummary, TensorSignature } from './model-summary.js';
import type { PatchEmbedding } from '../patterns/patch-embedding.js';
import type { LayerNorm } from './describe.js';
import type { EncoderLayer, VitStructure } from './vit-structure.js';

/** The summary for a terminal: the ViT structure first, then the model's contents. */
export function formatSummary(summary: ModelSummary): string {
  const sections = [
    formatVit(summary.vit, summary.opCounts),
    formatModel(summary),
    formatSignatures('Inputs', summary.inputs),
    formatSignatures('Outputs', summary.outputs),
    formatMetadata(summary.metadataProps),
    formatOps(summary.opCounts),
  ];
  return `${sections.filter((s) => s !== '').join('\n\n')}\n`;
}

/** Decimal units, as file managers and `ls -h --si` show sizes: 346.5 MB. */
export function formatBytes(sizeBytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = sizeBytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/**
 * Ops of a graph rewritten for a runtime (quantized, or fused into onnxruntime's contrib ops),
 * whose ViT structure the pattern finders, written for float exports, do not follow.
 */
const REWRITTEN_OPS =
  /^(com\.microsoft\.)?(MatMulInteger|DynamicQuantize\w*|QuantizeLinear|DequantizeLinear|QLinear\w+|QGemm|QAttention|MatMulNBits|Attention|MultiHeadAttention|SkipLayerNormalization)$/;

function formatVit(vit: VitStructure | null, opCounts: Readonly<Record<string, number>>): string {
  if (vit === null) {
    const rewritten = Object.keys(opCounts).find((op) => REWRITTEN_OPS.test(op));
    return rewritten === undefined
      ? 'ViT: not recognised (no self-attention block in the graph)'
      : `ViT: not recognised (the graph is quantized or fused: it has ${rewritten}; inspect the float model it was made from)`;
  }
  const rows: string[][] = [];
  const patch = vit.patchEmbedding;
  if (patch !== null) {
    rows.push([
      'patch embedding',
      `Conv ${patch.node}: ${patch.inChannels} → ${patch.hiddenSize} channels, kernel ${patch.kernelShape.join('×')}, stride ${patch.strides.join('×')}`,
    ]);
  }
  if (vit.positionEmbedding !== null) {
    const { initializer, tokenCount } = vit.positionEmbedding;
    rows.push(['position embedding', `${initializer} (${tokenCount} tokens)`]);
  }
  if (vit.clsToken !== null) rows.push(['class token', vit.clsToken]);
  rows.push(['layer norm', layerNormStyles(vit)]);
  if (vit.classifier !== null) {
    const { op, node, inFeatures, outFeatures } = vit.classifier;
    rows.push(['classifier', `${op} ${node}: ${inFeatures} → ${outFeatures}`]);
  }
  const lines = [headline(vit), ...alignColumns(rows, '  ')];
  // Per-layer rows only say something when the layers differ or a part was not recognised.
  if (
    vit.layers.some((layer) => !isComplete(layer)) ||
    [vit.heads, vit.hiddenSize, vit.intermediateSize].includes(null)
  ) {
    lines.push(
      '',
      ...alignColumns(
        [['layer', 'heads × dim', 'hidden', 'MLP', 'attention'], ...vit.layers.map(layerRow)],
        '  ',
      ),
    );
  }
  return lines.join('\n');
}

/**
 * "ViT: 4 layers × 4 heads, hidden 64, MLP 128, patch 7 (28×28 → 16 patches + CLS), 10 classes,
 * attention: separate q/k/v"
 */
function headline(vit: VitStructure): string {
  const { layers, patchEmbedding: patch } = vit;
  const heads = sizeOrRange(vit.heads, layers, (l) => l.heads);
  const hidden = sizeOrRange(vit.hiddenSize, layers, (l) => l.hiddenSize);
  const mlp = sizeOrRange(vit.intermediateSize, layers, (l) => l.intermediateSize);
  const parts = [
    `${vit.layerCount} ${vit.layerCount === 1 ? 'layer' : 'layers'} × ${heads} heads`,
    `hidden ${hidden}`,
    `MLP ${mlp}`,
  ];
  if (patch !== null) parts.push(patchDescription(patch, vit.clsToken !== null));
  if (vit.classCount !== null) parts.push(`${vit.classCount} classes`);
  parts.push(`attention: ${ATTENTION_STYLE_NAMES[vit.attentionStyle]}`);
  return `${patch === null ? 'Transformer encoder' : 'ViT'}: ${parts.join(', ')}`;
}

/** "patch 7 (28×28 → 16 patches + CLS)" */
function patchDescription(patch: PatchEmbedding, hasClsToken: boolean): string {
  const side = patch.patchSize ?? patch.kernelShape.join('×');
  if (patch.patchCount === null) return `patch ${side}`;
  const image =
    patch.imageSize === null ? '' : `${patch.imageSize.height}×${patch.imageSize.width} → `;
  return `patch ${side} (${image}${patch.patchCount} patches${hasClsToken ? ' + CLS' : ''})`;
}

const ATTENTION_STYLE_NAMES: Record<VitStructure['attentionStyle'], string> = {
  separate_qkv: 'separate q/k/v',
  fused_qkv: 'fused qkv',
  mixed: 'mixed',
};

function layerRow(layer: EncoderLayer): string[] {
  return [
    String(layer.index),
    `${layer.heads ?? '?'} × ${layer.headDim ?? '?'}`,
    String(layer.hiddenSize),
    String(layer.intermediateSize ?? '?'),
    ATTENTION_STYLE_NAMES[layer.attention.style] +
      (layer.attention.output === null ? ' (no output projection)' : ''),
  ];
}

function isComplete(layer: EncoderLayer): boolean {
  return (
    layer.heads !== null &&
    layer.mlp !== null &&
    layer.attention.output !== null &&
    layer.layerNormBeforeAttention !== null &&
    layer.layerNormBeforeMlp !== null
  );
}

const LAYER_NORM_STYLE_NAMES: Record<LayerNorm['style'], string> = {
  fused: 'fused (LayerNormalization)',
  decomposed: 'decomposed (ReduceMean, Sub, Pow, Sqrt, Div…)',
};

/** "25 decomposed (ReduceMean, Sub, Pow, Sqrt, Div…)", with a count of those not found. */
function layerNormStyles(vit: VitStructure): string {
  const norms = [
    ...vit.layers.flatMap((l) => [l.layerNormBeforeAttention, l.layerNormBeforeMlp]),
    vit.finalLayerNorm,
  ];
  const counts = new Map<LayerNorm['style'], number>();
  for (const norm of norms)
    if (norm !== null) counts.set(norm.style, (counts.get(norm.style) ?? 0) + 1);
  const parts = [...counts].map(([style, count]) => `${count} ${LAYER_NORM_STYLE_NAMES[style]}`);
  const missing = norms.filter((n) => n === null).length;
  if (missing > 0) parts.push(`${missing} not found`);
  return parts.join(', ');
}

/** The shared size, else the range over layers ("3–4"), "?" where unknown. */
function sizeOrRange(
  shared: number | null,
  layers: readonly EncoderLayer[],
  sizeOf: (layer: EncoderLayer) => number | null,
): string {
  if (shared !== null) return String(shared);
  const known = layers.map(sizeOf).filter((v) => v !== null);
  if (known.length === 0) return '?';
  const low = Math.min(...known);
  const high = Math.max(...known);
  const range = low === high ? String(low) : `${low}–${high}`;
  return known.length < layers.length ? `${range} (some unknown)` : range;
}

function formatModel(summary: ModelSummary): string {
  const opsets = Object.entries(summary.opsets).map(([domain, version]) => `${domain} ${version}`);
  const producer = `${summary.producerName} ${summary.producerVersion}`.trim();
  const init = summary.initializers;
  const rows = [
    ['IR version', String(summary.irVersion)],
    ['opsets', opsets.join(', ')],
    ['producer', producer === '' ? '(none)' : producer],
    [
      'nodes',
      `${formatCount(summary.nodeCount)} (${Object.keys(summary.opCounts).length} op types)`,
    ],
    ['parameters', formatParameterCount(summary.parameterCount)],
    ['initializers', initializerLine(init)],
    ...Object.entries(init.byDtype).map(([dtype, bytes]) => [`  ${dtype}`, initializerLine(bytes)]),
  ];
  return ['Model', ...alignColumns(rows, '  ')].join('\n');
}

function initializerLine(bytes: InitializerBytes): string {
  const where =
    bytes.externalSizeBytes === 0 ? '' : `, ${formatBytes(bytes.externalSizeBytes)} external`;
  const tensors = bytes.count === 1 ? 'tensor' : 'tensors';
  return `${formatCount(bytes.count)} ${tensors}, ${formatCount(bytes.elementCount)} elements, ${formatBytes(bytes.sizeBytes)}${where}`;
}

function formatSignatures(title: string, signatures: readonly TensorSignature[]): string {
  const rows = signatures.map((s) => [s.name, s.dtype ?? '(not a tensor)', formatShape(s.shape)]);
  return [title, ...alignColumns(rows, '  ')].join('\n');
}

function formatShape(shape: readonly Dim[] | null): string {
  return shape === null
    ? '(rank unknown)'
    : `[${shape.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
}

function formatMetadata(metadata: Record<string, string>): string {
  const rows = Object.entries(metadata).map(([key, value]) => [
    key,
    value.replace(/\s*\n\s*/g, ' '),
  ]);
  return rows.length === 0 ? '' : ['Metadata', ...alignColumns(rows, '  ')].join('\n');
}

function formatOps(opCounts: Record<string, number>): string {
  const rows = Object.entries(opCounts).map(([op, count]) => [op, String(count)]);
  return ['Ops', ...alignColumns(rows, '  ', [false, true])].join('\n');
}

function formatCount(count: number): string {
  return count.toLocaleString('en-US');
}

/** 86,567,656 (86.6 M) */
function formatParameterCount(count: number): string {
  return count >= 1e6
    ? `${formatCount(count)} (${(count / 1e6).toFixed(1)} M)`
    : formatCount(count);
}

/** Rows as lines with padded columns; `rightAligned[i]` right-aligns column i (numbers). */
function alignColumns(
  rows: readonly string[][],
  indent: string,
  rightAligned: readonly boolean[] = [],
): string[] {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => {
    const cells = row.map((cell, i) => {
      if (i === row.length - 1 && !rightAligned[i]) return cell;
      return rightAligned[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!);
    });
    return `${indent}${cells.join('  ')}`;
  });
}
