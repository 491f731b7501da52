import { formatBytes } from '@vit-opt/graph';
import type {
  CalibrationMethod,
  Float16Report,
  QuantizationErrorReport,
  QuantizationReport,
  Recipe,
  RecipeMode,
  StaticQuantizationReport,
} from '@vit-opt/quantize';
import type { CliIo } from '../io.js';

/** What `vit-opt quantize --json` prints. */
export interface QuantizeSummary {
  mode: RecipeMode;
  input: string;
  output: string;
  /** The model's config.json / preprocessor_config.json, copied beside the output. */
  copied: string[];
  inputSizeBytes: number;
  outputSizeBytes: number;
  /** Where static quantization's activation ranges came from; null for the other modes. */
  calibration: {
    source: 'images' | 'ranges-file';
    path: string;
    method: CalibrationMethod;
    sampleCount: number;
  } | null;
  savedRanges: string | null;
  report: string | null;
  /** The recipe written into the model's metadata_props. */
  recipe: Recipe;
  /** The mode's own report, as @vit-opt/quantize returns it. */
  quantization: QuantizationReport | StaticQuantizationReport | Float16Report;
}

/** The summary for a terminal: what was done, to which file, at what size. */
export function printSummary(
  io: CliIo,
  summary: QuantizeSummary,
  errorReport: QuantizationErrorReport | undefined,
): void {
  const q = summary.quantization;
  const nodes =
    'float32Nodes' in q
      ? `${q.convertedConstants} constants to float16, ${q.float32Nodes.length} nodes kept float32`
      : `${q.quantizedNodes.length} quantized` +
        ('activationMatMuls' in q
          ? ` (and ${q.activationMatMuls.length} activation MatMuls)`
          : '') +
        `, ${q.skipped.length} left float`;
  const lines = [
    `quantized ${summary.input} → ${summary.output}`,
    `  mode       ${describeRecipe(summary.recipe)}`,
    ...(summary.recipe.target === undefined
      ? []
      : [`  target     ${describeTarget(summary.recipe.target)}`]),
    ...(summary.recipe.fusion === undefined
      ? []
      : [`  fused      ${describeFusion(summary.recipe.fusion)}`]),
    `  nodes      ${nodes}`,
    `  file size  ${formatBytes(summary.inputSizeBytes)} → ${formatBytes(summary.outputSizeBytes)} (${percentChange(summary.inputSizeBytes, summary.outputSizeBytes)})`,
  ];
  if (summary.copied.length > 0)
    lines.push(`  copied     ${summary.copied.join(', ')} beside it, for vit-opt eval`);
  const c = summary.calibration;
  if (c !== null) {
    const over = `${c.method} over ${c.sampleCount} images`;
    lines.push(`  ranges     ${c.source === 'images' ? over : `${c.path} (${over})`}`);
    if (summary.savedRanges !== null) lines.push(`             saved to ${summary.savedRanges}`);
  }
  if (summary.report !== null && errorReport !== undefined) {
    const worst = errorReport.tensors[0];
    lines.push(
      `  report     ${summary.report}` +
        (worst === undefined
          ? ''
          : ` (worst: ${worst.kind} ${worst.tensor}, ${worst.sqnrDb.toFixed(1)} dB SQNR)`),
    );
  }
  io.stdout.write(`${lines.join('\n')}\n`);
}

/**
 * "amx, found by auto in /proc/cpuinfo (avx512_vnni amx_int8 …): AMX (and AVX-512 VNNI): int32
 * accumulation, …": which CPU the model is for, and why its settings.
 */
function describeTarget(target: Readonly<Record<string, unknown>>): string {
  const detected = target.detected as { source: string; isa: string; flags: string[] } | undefined;
  const found =
    detected === undefined
      ? ''
      : `, found by auto in ${detected.source} (${detected.flags.join(' ') || 'no int8 flags'})`;
  return `${String(target.resolved)}${found}: ${String(target.reason)}`;
}

/** "static int8 QDQ, per-channel 7-bit weights, uint8 activations": the recipe's main choices. */
function describeRecipe(recipe: Recipe): string {
  const o = recipe.options;
  const kind = [
    o.perChannel === true ? 'per-channel' : 'per-tensor',
    ...(o.reduceRange === true ? ['7-bit'] : []),
    ...(o.weightType === 'uint8' ? ['uint8'] : []),
  ].join(' ');
  const weights = `${kind} weights`;
  switch (recipe.mode) {
    case 'dynamic':
      return `dynamic int8, ${weights}`;
    case 'static':
      return `static int8 ${String(o.format).toUpperCase()}, ${weights}, ${String(o.activationType)} activations`;
    case 'fp16':
      return `fp16, ${o.keepIoTypes === false ? 'float16' : 'float32'} inputs and outputs`;
    case 'int4':
      return `int4 weights in blocks of ${String(o.blockSize)}, ${o.symmetric === false ? 'asymmetric' : 'symmetric'}`;
  }
}

/** "12 Attention, 12 Gelu": what --fuse-transformer made, from the recipe. */
function describeFusion(fusion: Readonly<Record<string, unknown>>): string {
  const fused = (fusion.fused ?? {}) as Record<string, number>;
  const names: Record<string, string> = {
    attention: 'attention',
    skipLayerNorm: 'SkipLayerNormalization',
    gelu: 'Gelu',
    biasGelu: 'BiasGelu',
  };
  const parts = Object.entries(fused)
    .filter(([, count]) => count > 0)
    .map(([key, count]) => `${count} ${names[key] ?? key}`);
  return parts.length === 0 ? 'nothing' : parts.join(', ');
}

/** "−71.2%" */
function percentChange(before: number, after: number): string {
  const percent = (100 * (after - before)) / before;
  return `${percent < 0 ? '−' : '+'}${Math.abs(percent).toFixed(1)}%`;
}
