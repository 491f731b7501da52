import {
  DataType,
  Tensor,
  VitOptError,
  constantTensorOf,
  dataTypeName,
  type LinearMatch,
  type Value,
} from '@vit-opt/graph';

/**
 * A Linear layer's weight as [in, out] row-major float32 (a Gemm with transB stores [out, in]);
 * Gemm's alpha is not applied.
 */
export interface DenseWeight {
  readonly data: Float32Array;
  readonly inFeatures: number;
  readonly outFeatures: number;
}

function weightTensor(linear: LinearMatch): Tensor {
  const tensor = linear.weightTensor;
  if (tensor.dtype !== DataType.FLOAT) {
    throw new VitOptError(
      'UNSUPPORTED',
      `the weight of '${linear.node.name}' is ${dataTypeName(tensor.dtype)}, not float32: prune before quantizing`,
      { subject: linear.node.name },
    );
  }
  return tensor;
}

/**
 * The bias's constant, or undefined when the layer has none. A Gemm's C computed at run time is
 * a sum, not a bias prune could slice, fold into or refit: refused.
 */
function biasTensor(linear: LinearMatch): Tensor | undefined {
  if (linear.bias === undefined) return undefined;
  const tensor = constantTensorOf(linear.bias);
  if (tensor === undefined) {
    throw new VitOptError(
      'UNSUPPORTED',
      `the C of '${linear.node.name}' is computed at run time, not a constant bias: prune cannot change it`,
      { subject: linear.node.name },
    );
  }
  return tensor;
}

export function readWeight(linear: LinearMatch): DenseWeight {
  const stored = weightTensor(linear).float32();
  const { inFeatures, outFeatures } = linear;
  if (!linear.transposed) return { data: stored, inFeatures, outFeatures };
  const data = new Float32Array(inFeatures * outFeatures);
  for (let o = 0; o < outFeatures; o++)
    for (let i = 0; i < inFeatures; i++) data[i * outFeatures + o] = stored[o * inFeatures + i]!;
  return { data, inFeatures, outFeatures };
}

/** The bias as float32 (Gemm's C, without beta), or undefined when the layer has none. */
export function readBias(linear: LinearMatch): Float32Array | undefined {
  const tensor = biasTensor(linear);
  if (tensor === undefined) return undefined;
  if (tensor.dtype !== DataType.FLOAT || tensor.elementCount !== linear.outFeatures) {
    throw new VitOptError(
      'UNSUPPORTED',
      `the bias of '${linear.node.name}' is not float32[${linear.outFeatures}]`,
      {
        subject: linear.node.name,
      },
    );
  }
  return tensor.float32();
}

/**
 * Keeps only the `outputs` (default all) and `inputs` (default all) features of a Linear layer, in
 * the given order: new initializers in the weight's own layout, the bias sliced with the outputs.
 * Initializers are never edited in place: an exporter may tie one to several layers.
 */
export function sliceLinear(
  linear: LinearMatch,
  keep: { readonly outputs?: readonly number[]; readonly inputs?: readonly number[] },
): void {
  const tensor = weightTensor(linear);
  const stored = tensor.float32();
  const inputs = keep.inputs ?? range(linear.inFeatures);
  const outputs = keep.outputs ?? range(linear.outFeatures);
  const { transposed } = linear;
  const data = new Float32Array(inputs.length * outputs.length);
  if (transposed) {
    const rowLength = linear.inFeatures;
    outputs.forEach((o, r) => {
      inputs.forEach((i, c) => (data[r * inputs.length + c] = stored[o * rowLength + i]!));
    });
  } else {
    const rowLength = linear.outFeatures;
    inputs.forEach((i, r) => {
      outputs.forEach((o, c) => (data[r * outputs.length + c] = stored[i * rowLength + o]!));
    });
  }
  const dims = transposed ? [outputs.length, inputs.length] : [inputs.length, outputs.length];
  replaceInput(linear.node.inputs.indexOf(linear.weight), linear, float32(data, dims, tensor.name));
  if (keep.outputs === undefined) return;
  const bias = readBias(linear);
  if (bias === undefined) return;
  const storedBias = biasTensor(linear)!;
  const sliced = Float32Array.from(outputs, (o) => bias[o]!);
  setBias(
    linear,
    float32(sliced, [...storedBias.dims.slice(0, -1), outputs.length], storedBias.name),
  );
}

/**
 * Sets a Linear layer's effective weight ([in, out] row-major, what multiplies its input after
 * Gemm's alpha) and bias (after beta), in the layer's own layout and scales.
 */
export function writeLinear(linear: LinearMatch, weight: Float32Array, bias: Float32Array): void {
  const tensor = weightTensor(linear);
  // Checked before anything is written, so a refusal leaves the layer as it was.
  const storedBias = biasTensor(linear);
  const { alpha, beta, inFeatures, outFeatures, transposed } = linear;
  const data = new Float32Array(inFeatures * outFeatures);
  for (let i = 0; i < inFeatures; i++) {
    for (let o = 0; o < outFeatures; o++) {
      const w = weight[i * outFeatures + o]! / alpha;
      if (transposed) data[o * inFeatures + i] = w;
      else data[i * outFeatures + o] = w;
    }
  }
  replaceInput(
    linear.node.inputs.indexOf(linear.weight),
    linear,
    float32(data, tensor.dims, tensor.name),
  );
  setBias(
    linear,
    float32(
      bias.map((v) => v / beta),
      storedBias?.dims ?? [outFeatures],
      storedBias?.name ?? `${linear.node.name}.bias`,
    ),
  );
}

/**
 * Folds what the `features` inputs contribute on average into the bias, before they are removed:
 * bias += α · Σ_f mean[f] · W[f, ·] / β, so the layer's mean output stays as it was.
 */
export function foldInputMeansIntoBias(
  linear: LinearMatch,
  features: readonly number[],
  mean: Float64Array,
): void {
  const weight = readWeight(linear);
  const bias = Float32Array.from(readBias(linear)!);
  const { alpha, beta } = linear;
  for (const f of features) {
    const m = mean[f]!;
    for (let o = 0; o < weight.outFeatures; o++)
      bias[o]! += (alpha * m * weight.data[f * weight.outFeatures + o]!) / beta;
  }
  setBias(linear, float32(bias, [bias.length], `${linear.node.name}.recovered_bias`));
}

/** Replaces the bias (Gemm's C or the Add's constant) with `tensor`. */
export function setBias(linear: LinearMatch, tensor: Tensor): void {
  const holder = linear.biasAdd ?? linear.node;
  const index = holder.inputs.indexOf(linear.bias);
  if (linear.bias === undefined || index < 0) {
    throw new VitOptError('UNSUPPORTED', `'${linear.node.name}' has no bias to change`, {
      subject: linear.node.name,
    });
  }
  holder.setInput(index, holder.graph.addInitializer(tensor, tensor.name || 'bias'));
}

/** Zeroes the weight's `inputs` features (rows of [in, out]): what masking heads at an output projection is. */
export function zeroLinearInputs(linear: LinearMatch, inputs: readonly number[]): void {
  const tensor = weightTensor(linear);
  const data = Float32Array.from(tensor.float32());
  const { transposed } = linear;
  for (const i of inputs) {
    if (transposed)
      for (let o = 0; o < linear.outFeatures; o++) data[o * linear.inFeatures + i] = 0;
    else data.fill(0, i * linear.outFeatures, (i + 1) * linear.outFeatures);
  }
  replaceInput(
    linear.node.inputs.indexOf(linear.weight),
    linear,
    float32(data, tensor.dims, tensor.name),
  );
}

function replaceInput(index: number, linear: LinearMatch, tensor: Tensor): Value {
  const value = linear.node.graph.addInitializer(tensor, tensor.name || 'weight');
  linear.node.setInput(index, value);
  return value;
}

export function float32(data: Float32Array, dims: readonly number[], name = ''): Tensor {
  return Tensor.fromArray({ dtype: DataType.FLOAT, dims, name }, data);
}

export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
