import { VitOptError, cleanup, definePass, type Model, type Node, type Pass, type Value } from '@vit-opt/graph';
import type { ActivationRanges, TensorRange } from '../calibration/activation-ranges.js';
import { QuantizedWeights } from '../graph/weight-layouts.js';
import type { SkippedNode } from '../graph/weighted-nodes.js';
import { initializerBytes } from '../graph/rewrite.js';
import { assertNotQuantized, assertOpset, nothingToQuantizeError } from '../model-checks.js';
import { settingsForRecipe } from '../options/mode-options.js';
import { targetForRecipe } from '../targets/quantization-target.js';
import { summarizeReport, type QuantizedNode } from '../quantization-report.js';
import { makeRecipe, writeRecipe } from '../recipe.js';
import { activationParams, type ActivationParams } from './activation-params.js';
import { emitQdqLayout } from './qdq-emitter.js';
import { planQdqLayout, type QdqLayout } from './qdq-layout.js';
import { convertQdqToQOperator } from './qoperator-from-qdq.js';
import {
  normalizeStaticOptions,
  type ActivationElementType,
  type QuantizedModelFormat,
  type StaticQuantizationOptions,
  type StaticQuantizationSettings,
} from './static-options.js';

/** Per-axis QuantizeLinear/DequantizeLinear (per-channel weights) arrived in opset 13. */
const STATIC_MIN_OPSET = 13;

export interface QuantizedActivation {
  readonly name: string;
  readonly range: TensorRange;
  readonly elementType: ActivationElementType;
  readonly scale: number;
  readonly zeroPoint: number;
}

/** What quantizeStatic did: the weighted nodes, the quantized activations and the sizes. */
export interface StaticQuantizationReport {
  readonly format: QuantizedModelFormat;
  readonly quantizedNodes: QuantizedNode[];
  /** MatMuls of two activations that now run in integers (attention Q·Kᵀ and P·V). */
  readonly activationMatMuls: string[];
  /** Tensors with their own scale, in graph order (rearranged copies share these). */
  readonly activations: QuantizedActivation[];
  readonly skipped: SkippedNode[];
  /** Initializer bytes of the whole model before and after. */
  readonly sizeBytesBefore: number;
  readonly sizeBytesAfter: number;
}

/**
 * Static int8 quantization with calibrated activation ranges. Weights become int8 (per channel by
 * default); every activation an integer kernel reads is quantized once, where it is computed, with
 * the scale of its calibrated range. Softmax, LayerNorm and GELU run in float on float inputs:
 * their outputs are quantized only as the inputs of the next MatMul. The layout is the one
 * planQdqLayout describes, chosen so that onnxruntime's CPU provider turns it into QGemm,
 * MatMulIntegerToFloat, QLinearMatMul and QLinearConv, with the Reshapes and Transposes between
 * them running on 8-bit data. The model is changed in place; it is left untouched when the call
 * fails before the rewrite (bad options or ranges, a weight that cannot be quantized).
 */
export function quantizeStatic(
  model: Model,
  ranges: ActivationRanges,
  options: StaticQuantizationOptions = {},
): StaticQuantizationReport {
  const settings = normalizeStaticOptions(options);
  assertRangesShape(ranges);
  assertNotQuantized(model, 'quantize statically');
  assertOpset(model, STATIC_MIN_OPSET, 'static quantization (per-axis QuantizeLinear/DequantizeLinear)');
  const layout = planQdqLayout(model, settings);
  if (layout.linears.length + layout.convolutions.length + layout.attentions.length === 0)
    throw nothingToQuantizeError(settings);
  const params = paramsFromRanges(layout, ranges, settings);
  const recipeOptions = {
    ...settingsForRecipe(settings),
    calibration: { method: ranges.method, sampleCount: ranges.sampleCount, ...ranges.settings },
  };
  const recipe = makeRecipe(
    model,
    'static',
    recipeOptions,
    settings.sourceSha256,
    targetForRecipe(settings.target),
  );
  const sizeBytesBefore = initializerBytes(model);
  const weights = quantizeWeights(layout, settings);
  const quantizedNodes = [...layout.attentions, ...layout.linears.map((unit) => unit.match), ...layout.convolutions].map((match) => {
    const weight = weights.of(match);
    return {
      name: match.node.name,
      opType: match.node.opType,
      weightName: match.weightValue.name,
      weightShape: [...match.weight.dims],
      perChannel: weight.channelAxis !== undefined,
      weightSqnrDb: weight.sqnrDb,
    };
  });
  const activations = layout.calibrated.map((value) => {
    const { elementType, scale, zeroPoint } = params.get(value)!;
    return { name: value.name, range: ranges.tensors[value.name]!, elementType, scale, zeroPoint };
  });

  emitQdqLayout(model.graph, layout, params, weights);
  // A QuantizeLinear nothing reads (a QOperator graph output's, which a float bias Add computes)
  // quantizes nothing: the sweep removes it, and the report does not list its tensor.
  const unread = new Set(unreadQuantizers(model).map((node) => node.input(0).name));
  // Swept from the outputs back rather than listed: a list drawn from the layout after the
  // rewrite missed the float biases of the units written as Gemm (their bias Add was gone).
  cleanup(model.graph);
  if (settings.format === 'qoperator') convertQdqToQOperator(model);
  writeRecipe(model, recipe);
  return {
    format: settings.format,
    quantizedNodes,
    activationMatMuls: layout.activationMatMuls.map((node) => node.name),
    activations: activations.filter((activation) => !unread.has(activation.name)),
    skipped: layout.skipped,
    sizeBytesBefore,
    sizeBytesAfter: initializerBytes(model),
  };
}

/** quantizeStatic as a pass for runPasses, with the ranges calibrate returned. */
export function quantizeStaticPass(ranges: ActivationRanges, options: StaticQuantizationOptions = {}): Pass {
  normalizeStaticOptions(options);
  return definePass('quantize-static', (model) => {
    const report = quantizeStatic(model, ranges, options);
    return { modified: true, notes: [summarizeReport(report)] };
  });
}

/** QuantizeLinear nodes whose 8-bit output nothing reads. */
function unreadQuantizers(model: Model): Node[] {
  return model.graph.nodes.filter((node) => {
    const output = node.outputs[0];
    return node.opType === 'QuantizeLinear' && output !== undefined && output.uses().length === 0 && !output.isGraphOutput;
  });
}

function assertRangesShape(ranges: ActivationRanges): void {
  if (typeof ranges !== 'object' || ranges === null || typeof ranges.tensors !== 'object' || ranges.tensors === null) {
    throw new VitOptError('INVALID_ARGUMENT', 'quantizeStatic needs the activation ranges calibrate returns (or loadRanges reads)', {
      subject: 'ranges',
    });
  }
}

/** The parameters of every calibrated tensor; an error naming the tensors the ranges lack. */
function paramsFromRanges(
  layout: QdqLayout,
  ranges: ActivationRanges,
  settings: StaticQuantizationSettings,
): Map<Value, ActivationParams> {
  const tensors = layout.calibrated;
  const params = new Map<Value, ActivationParams>();
  const missing: string[] = [];
  for (const value of tensors) {
    const range = Object.hasOwn(ranges.tensors, value.name) ? ranges.tensors[value.name] : undefined;
    const elementType = layout.unsignedTensors.has(value)
      ? 'uint8'
      : layout.signedTensors.has(value)
        ? 'int8'
        : settings.activationType;
    if (range === undefined) {
      missing.push(value.name);
      continue;
    }
    if (!Number.isFinite(range.min) || !Number.isFinite(range.max) || range.min > range.max) {
      throw new VitOptError('INVALID_ARGUMENT', `the range of tensor '${value.name}' is not finite min ≤ max: [${range.min}, ${range.max}]`, {
        subject: 'ranges',
      });
    }
    params.set(value, activationParams(range, elementType, settings.activationSymmetric));
  }
  if (missing.length > 0) {
    const shown = missing.slice(0, 3).map((name) => `'${name}'`).join(', ');
    throw new VitOptError(
      'INVALID_ARGUMENT',
      `the ranges lack ${missing.length} of the ${tensors.length} tensors this layout quantizes (${shown}${missing.length > 3 ? ', …' : ''}); ` +
        'calibrate this model with the same layout options (opTypes, format, quantizeActivationMatMuls, includeNodes, excludeNodes)',
      { subject: 'ranges' },
    );
  }
  return params;
}

/**
 * Quantizes every weight before the graph is touched, so a weight that cannot be quantized fails
 * the call with the model unchanged; a weight tied between nodes once per layout they read it in.
 * Linear weights are [K, N] (Gemm's transB and alpha applied), one scale per output column; Conv
 * weights one per output channel.
 */
function quantizeWeights(layout: QdqLayout, settings: StaticQuantizationSettings): QuantizedWeights {
  const matches = [...layout.linears.map((unit) => unit.match), ...layout.attentions, ...layout.convolutions];
  return new QuantizedWeights(matches, (match) => ({
    elementType: settings.weightType,
    symmetric: true,
    reduceRange: settings.reduceRange,
    channelAxis: settings.perChannel ? ('kind' in match && match.kind === 'conv' ? 0 : 1) : undefined,
  }));
}
