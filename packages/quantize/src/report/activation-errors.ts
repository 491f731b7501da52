import {
  DataType,
  VitOptError,
  type FeedBatches,
  type Model,
  type Node,
  type TensorProbe,
  type Value,
} from '@vit-opt/graph';
import { TensorSession, feedValues, type TensorValues } from '../calibration/tensor-session.js';
import { inferElementTypes } from '../graph/element-types.js';
import { isValuePreserving } from '../static/value-preserving-ops.js';
import { sqnrDb } from '../weights/rounding.js';
import { ErrorEnergy, dequantize } from './dequantize.js';
import type { TensorError } from './tensor-error.js';

export interface ActivationErrorOptions {
  /** Stop after this many samples (images). */
  readonly sampleLimit: number;
  readonly probe: TensorProbe;
  readonly signal?: AbortSignal;
}

/** A tensor of the float model and the tensor of the quantized model that stands for it. */
interface ActivationPair {
  readonly floatName: string;
  readonly quantizedName: string;
  /** The 8-bit tensor's parameters; undefined when the quantized model computes it in float. */
  readonly quantization: { readonly scale: number; readonly zeroPoint: number } | undefined;
}

/**
 * The error of every quantized activation on real samples: both models run on the same inputs,
 * and each activation of the quantized model (an 8-bit tensor, dequantized, or a float tensor a
 * rewritten node computes) is compared with the float model's tensor of the same name. The error
 * accumulates through the network, so a layer whose error jumps is the one that hurts.
 */
export async function activationErrors(
  floatModel: Model,
  quantizedModel: Model,
  samples: FeedBatches,
  options: ActivationErrorOptions,
): Promise<{ errors: TensorError[]; sampleCount: number }> {
  // Static quantization is measured where it quantizes; the other modes where they compute differently.
  const quantizedPairs = quantizedActivationPairs(floatModel, quantizedModel);
  const pairs = quantizedPairs.length > 0 ? quantizedPairs : rewrittenOutputs(floatModel, quantizedModel);
  if (pairs.length === 0) {
    throw new VitOptError(
      'INVALID_ARGUMENT',
      'the quantized model computes every tensor of the float model as it does: nothing to compare (is it a quantized copy of it?)',
      { subject: 'quantizedModel' },
    );
  }
  const graphInputs = new Set(floatModel.graph.inputs.map((v) => v.name));
  const floatSession = await TensorSession.create(floatModel, pairs.filter((p) => !graphInputs.has(p.floatName)).map((p) => p.floatName), options.probe);
  const quantizedSession = await TensorSession.create(quantizedModel, pairs.map((p) => p.quantizedName), options.probe);
  const energies = pairs.map(() => new ErrorEnergy());
  let sampleCount = 0;
  try {
    for await (const feeds of samples) {
      options.signal?.throwIfAborted();
      const reference = await floatSession.run(feeds);
      const quantized = await quantizedSession.run(feeds);
      pairs.forEach((pair, i) => {
        const x = graphInputs.has(pair.floatName) ? feedValues(feeds[pair.floatName]!) : (reference.get(pair.floatName) as Float32Array);
        energies[i]!.add(x, restore(quantized.get(pair.quantizedName)!, pair));
      });
      sampleCount += Object.values(feeds)[0]?.dims[0] ?? 0;
      if (sampleCount >= options.sampleLimit) break;
    }
  } finally {
    await floatSession.dispose();
    await quantizedSession.dispose();
  }
  if (sampleCount === 0) throw new VitOptError('INVALID_ARGUMENT', 'the report samples yielded no batch', { subject: 'samples' });
  const quantizedWhereRead = quantizedPairs.length > 0;
  const errors = pairs.map((pair, i): TensorError => {
    const value = floatModel.graph.value(pair.floatName)!;
    const producer = value.producer()?.name ?? null;
    const consumers = readers(value);
    return {
      tensor: pair.floatName,
      kind: 'activation',
      sqnrDb: sqnrDb(energies[i]!.signal, energies[i]!.noise),
      producer,
      consumers,
      // A static model quantizes the tensor for its readers; the other modes change its producer.
      nodes: quantizedWhereRead || producer === null ? consumers : [producer],
    };
  });
  return { errors, sampleCount };
}

/** The quantized model's values of a pair as float: dequantized when 8-bit. */
function restore(values: TensorValues, pair: ActivationPair): Float32Array {
  const { quantization } = pair;
  if (quantization === undefined) {
    if (values instanceof Float32Array) return values;
    throw new VitOptError('INVALID_GRAPH', `expected float values, tensor '${pair.quantizedName}' is 8-bit`, { subject: pair.quantizedName });
  }
  if (values instanceof Float32Array) {
    throw new VitOptError('INVALID_GRAPH', `expected 8-bit values, tensor '${pair.quantizedName}' is float32`, { subject: pair.quantizedName });
  }
  return dequantize(values, [values.length], Float32Array.of(quantization.scale), [quantization.zeroPoint], 0);
}

/**
 * The float tensors the quantized model computes another way: same name and float in both models,
 * but written by another node (a dynamic MatMul's MatMulInteger → Mul chain, a MatMulNBits, the
 * Cast to a float32 graph output) or by the same node in float16. A Reshape or Transpose passes
 * its input's error on unchanged, so its output is left out.
 */
function rewrittenOutputs(floatModel: Model, quantizedModel: Model): ActivationPair[] {
  const floatTypes = inferElementTypes(floatModel.graph);
  const quantizedTypes = inferElementTypes(quantizedModel.graph);
  const pairs: ActivationPair[] = [];
  for (const node of quantizedModel.graph.nodes) {
    if (isValuePreserving(node)) continue;
    for (const value of node.outputs) {
      const original = value === undefined ? undefined : floatModel.graph.value(value.name);
      const producer = original?.producer();
      if (value === undefined || original === undefined || producer === undefined) continue;
      if (producer.opType === 'Constant' || floatTypes.get(original) !== DataType.FLOAT) continue;
      const sameNode = producer.name === node.name && producer.opType === node.opType && producer.domain === node.domain;
      if (sameNode && quantizedTypes.get(value) !== DataType.FLOAT16) continue;
      pairs.push({ floatName: original.name, quantizedName: original.name, quantization: undefined });
    }
  }
  return pairs;
}

/** Where the ops that write an 8-bit activation take its scale and zero point. */
const OUTPUT_QUANTIZATION_INPUTS: Readonly<Record<string, readonly [number, number]>> = {
  QuantizeLinear: [1, 2],
  QLinearMatMul: [6, 7],
  QLinearConv: [6, 7],
};

/** The suffix quantizers give an activation's 8-bit copy: `<float tensor name>_quantized`. */
const QUANTIZED_SUFFIX = '_quantized';

/**
 * One pair per 8-bit activation: a QuantizeLinear's output, or the output of the QLinearMatMul or
 * QLinearConv that replaced a QuantizeLinear, under its name. The float tensor is the
 * QuantizeLinear's input, or the one the name was made from; when neither exists in the float
 * model (a MatMul flattened into a Gemm computes it in 2-D), the 8-bit tensor that a Reshape
 * turns back into the original tensor, name and all, stands for it.
 */
function quantizedActivationPairs(floatModel: Model, quantizedModel: Model): ActivationPair[] {
  const pairs: ActivationPair[] = [];
  const inFloat = (name: string | undefined): boolean => {
    const original = name === undefined ? undefined : floatModel.graph.value(name);
    return original !== undefined && !original.isConstant;
  };
  for (const node of quantizedModel.graph.nodes) {
    const at = node.domain === '' && Object.hasOwn(OUTPUT_QUANTIZATION_INPUTS, node.opType) ? OUTPUT_QUANTIZATION_INPUTS[node.opType]! : undefined;
    const scale = at === undefined ? undefined : node.inputs[at[0]]?.initializer;
    if (at === undefined || scale === undefined || scale.elementCount !== 1) continue;
    const quantization = { scale: scale.float32()[0]!, zeroPoint: node.inputs[at[1]]?.initializer?.toNumbers()[0] ?? 0 };
    const quantized = node.output(0);
    const named = quantized.name.endsWith(QUANTIZED_SUFFIX) ? quantized.name.slice(0, -QUANTIZED_SUFFIX.length) : undefined;
    const floatName = node.opType === 'QuantizeLinear' && inFloat(node.inputs[0]?.name) ? node.input(0).name : inFloat(named) ? named : undefined;
    if (floatName !== undefined) {
      pairs.push({ floatName, quantizedName: quantized.name, quantization });
      continue;
    }
    const restored = quantized.uses().map((use) => use.node).find((n) => isValuePreserving(n) && inFloat(n.outputs[0]?.name));
    if (restored !== undefined) pairs.push({ floatName: restored.output(0).name, quantizedName: restored.output(0).name, quantization });
  }
  return pairs;
}

/** The nodes reading `value`, looking through Reshape/Transpose to the nodes that compute with it. */
function readers(value: Value): string[] {
  const names: string[] = [];
  const visit = (v: Value): void => {
    for (const { node } of v.uses()) {
      if (isValuePreserving(node) && node.outputs[0] !== undefined) visit(node.outputs[0]);
      else if (!isShapeOnly(node)) names.push(node.name);
    }
  };
  visit(value);
  return [...new Set(names)];
}

function isShapeOnly(node: Node): boolean {
  return node.opType === 'Shape' || node.opType === 'Size';
}
