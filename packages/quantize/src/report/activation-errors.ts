import { VitOptError, type Model, type Node, type Value } from '@vit-opt/graph';
import type { InputFeeds } from '@vit-opt/eval/data';
import { TensorSession, type TensorValues } from '../calibration/tensor-session.js';
import { isValuePreserving } from '../static/value-preserving-ops.js';
import { sqnrDb } from '../weights/rounding.js';
import { ErrorEnergy, dequantize } from './dequantize.js';
import type { TensorError } from './tensor-error.js';

export interface ActivationErrorOptions {
  /** Stop after this many samples (images). */
  readonly sampleLimit: number;
  readonly threads?: number;
  readonly signal?: AbortSignal;
}

/** A quantized activation: the float model's tensor and the 8-bit tensor that stands for it. */
interface ActivationPair {
  readonly floatName: string;
  readonly quantizedName: string;
  readonly scale: number;
  readonly zeroPoint: number;
}

/**
 * The error of every quantized activation on real samples: both models run on the same inputs,
 * and each 8-bit activation of the quantized model, dequantized, is compared with the float
 * model's tensor of the same name. The error accumulates through the network, so a layer whose
 * error jumps is the one that hurts.
 */
export async function activationErrors(
  floatModel: Model,
  quantizedModel: Model,
  samples: AsyncIterable<InputFeeds> | Iterable<InputFeeds>,
  options: ActivationErrorOptions,
): Promise<{ errors: TensorError[]; sampleCount: number }> {
  const pairs = activationPairs(floatModel, quantizedModel);
  const graphInputs = new Set(floatModel.graph.inputs.map((v) => v.name));
  const floatSession = await TensorSession.create(floatModel, pairs.filter((p) => !graphInputs.has(p.floatName)).map((p) => p.floatName), options);
  const quantizedSession = await TensorSession.create(quantizedModel, pairs.map((p) => p.quantizedName), options);
  const energies = pairs.map(() => new ErrorEnergy());
  let sampleCount = 0;
  try {
    for await (const feeds of samples) {
      options.signal?.throwIfAborted();
      const reference = await floatSession.run(feeds);
      const quantized = await quantizedSession.run(feeds);
      pairs.forEach((pair, i) => {
        const x = graphInputs.has(pair.floatName) ? feeds[pair.floatName]!.data : (reference.get(pair.floatName) as Float32Array);
        const q = quantized.get(pair.quantizedName)!;
        energies[i]!.add(x, dequantizeActivation(q, pair));
      });
      sampleCount += Object.values(feeds)[0]?.dims[0] ?? 0;
      if (sampleCount >= options.sampleLimit) break;
    }
  } finally {
    await floatSession.dispose();
    await quantizedSession.dispose();
  }
  if (sampleCount === 0) throw new VitOptError('INVALID_ARGUMENT', 'the report samples yielded no batch', { subject: 'samples' });
  const errors = pairs.map((pair, i): TensorError => {
    const value = floatModel.graph.value(pair.floatName)!;
    return {
      tensor: pair.floatName,
      kind: 'activation',
      sqnrDb: sqnrDb(energies[i]!.signal, energies[i]!.noise),
      producer: value.producer()?.name ?? null,
      consumers: readers(value),
    };
  });
  return { errors, sampleCount };
}

function dequantizeActivation(values: TensorValues, pair: ActivationPair): Float32Array {
  if (values instanceof Float32Array) {
    throw new VitOptError('INVALID_GRAPH', `expected 8-bit values, tensor '${pair.quantizedName}' is float32`, { subject: pair.quantizedName });
  }
  return dequantize(values, [values.length], Float32Array.of(pair.scale), [pair.zeroPoint], 0);
}

/**
 * One pair per QuantizeLinear of the quantized model. When its input no longer exists in the
 * float model (a MatMul flattened into a Gemm computes it in 2-D), the 8-bit tensor that a
 * Reshape turns back into the original tensor, name and all, stands for it.
 */
function activationPairs(floatModel: Model, quantizedModel: Model): ActivationPair[] {
  const pairs: ActivationPair[] = [];
  const inFloat = (value: Value | undefined): boolean => {
    const original = value === undefined ? undefined : floatModel.graph.value(value.name);
    return original !== undefined && !original.isConstant;
  };
  for (const node of quantizedModel.graph.nodes) {
    if (node.opType !== 'QuantizeLinear' || node.domain !== '') continue;
    const scale = node.inputs[1]?.initializer;
    const zeroPoint = node.inputs[2]?.initializer;
    if (scale === undefined || scale.elementCount !== 1) continue;
    const params = { scale: scale.float32()[0]!, zeroPoint: zeroPoint?.toNumbers()[0] ?? 0 };
    const quantized = node.output(0);
    if (inFloat(node.inputs[0])) {
      pairs.push({ floatName: node.input(0).name, quantizedName: quantized.name, ...params });
      continue;
    }
    const restored = quantized.uses().map((use) => use.node).find((n) => isValuePreserving(n) && inFloat(n.outputs[0]));
    if (restored !== undefined) pairs.push({ floatName: restored.output(0).name, quantizedName: restored.output(0).name, ...params });
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
