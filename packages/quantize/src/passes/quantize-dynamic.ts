import {
  DataType,
  attr,
  cleanup,
  type Graph,
  type LinearMatch,
  type Model,
  type Node,
  type Pass,
  type Value,
} from '@vit-opt/graph';
import { layoutDims, QuantizedWeights, type WeightMatch } from '../graph/weight-layouts.js';
import {
  findAttentionNodes,
  findWeightedNodes,
  type WeightedAttention,
  type WeightedConv,
  type WeightedMatMul,
} from '../graph/weighted-nodes.js';
import {
  addGemmBias,
  addTensor,
  initializerBytes,
  replaceSingleOutputNode,
} from '../graph/rewrite.js';
import { assertNotQuantized, assertOpset, nothingToQuantizeError } from '../model-checks.js';
import {
  normalizeDynamicOptions,
  settingsForRecipe,
  type DynamicQuantizationOptions,
  type DynamicQuantizationSettings,
} from '../options/mode-options.js';
import { makeRecipe, writeRecipe } from '../recipe.js';
import { targetForRecipe } from '../targets/quantization-target.js';
import { defineModePass } from './mode-pass.js';
import {
  summarizeReport,
  type QuantizationReport,
  type QuantizedNode,
} from '../quantization-report.js';

/** DynamicQuantizeLinear, MatMulInteger and ConvInteger are ai.onnx ops from opset 11 and 10. */
const DYNAMIC_MIN_OPSET = 11;

/**
 * Dynamic int8 quantization: weights become int8 constants, activations are quantized to uint8 at
 * run time. Each MatMul becomes
 *
 *   DynamicQuantizeLinear(A) → MatMulInteger(A_q, W_q, A_zp, W_zp) → Cast(float)
 *   → Mul(·, Mul(A_scale, W_scale))
 *
 * under the MatMul's output name, the chain onnxruntime's CPU optimizer turns into
 * MatMulIntegerToFloat (taking the following bias Add in) and then, when the
 * DynamicQuantizeLinear feeds nothing else, into a single DynamicQuantizeMatMul. A Gemm becomes
 * the same chain plus an Add of its C. Biases, normalizations, Softmax and GELU stay float.
 */
export function quantizeDynamic(
  model: Model,
  options: DynamicQuantizationOptions = {},
): QuantizationReport {
  const settings = normalizeDynamicOptions(options);
  assertNotQuantized(model, 'quantize dynamically');
  assertOpset(model, DYNAMIC_MIN_OPSET, 'dynamic quantization (DynamicQuantizeLinear)');
  const search = findWeightedNodes(model, settings);
  const attention = findAttentionNodes(model, settings);
  if (search.found.length === 0 && attention.found.length === 0)
    throw nothingToQuantizeError(settings);
  const recipe = makeRecipe(
    model,
    'dynamic',
    settingsForRecipe(settings),
    settings.sourceSha256,
    targetForRecipe(settings.target),
  );
  const sizeBytesBefore = initializerBytes(model);
  const quantizedWeights = quantizeWeights([...search.found, ...attention.found], settings);
  const rewriter = new DynamicRewriter(
    model.graph,
    settings.shareActivationQuantization,
    quantizedWeights,
  );
  const quantizedNodes = [
    ...attention.found.map((match) => rewriter.quantizeAttention(match)),
    ...search.found.map((match) =>
      match.kind === 'conv' ? rewriter.quantizeConv(match) : rewriter.quantizeMatMul(match),
    ),
  ];
  // The float weights, and a bias replaced by a reshaped or scaled copy, are left unused.
  cleanup(model.graph);
  writeRecipe(model, recipe);
  return {
    quantizedNodes,
    skipped: [...attention.skipped, ...search.skipped],
    sizeBytesBefore,
    sizeBytesAfter: initializerBytes(model),
  };
}

/** quantizeDynamic as a pass for runPasses (options checked now); its note summarizes the report. */
export function quantizeDynamicPass(options: DynamicQuantizationOptions = {}): Pass {
  normalizeDynamicOptions(options);
  return defineModePass(
    'quantize-dynamic',
    'dynamic',
    (model) => quantizeDynamic(model, options),
    summarizeReport,
  );
}

interface QuantizedActivation {
  readonly values: Value;
  readonly scale: Value;
  readonly zeroPoint: Value;
}

interface WeightInitializers {
  readonly values: Value;
  readonly scale: Value;
  readonly zeroPoint: Value;
}

/**
 * Quantizes every weight before the graph is touched, once per layout its nodes read it in. One
 * scale per output column N (axis 1 of B, of the packed q/k/v weight too); Conv stays per-tensor
 * (see quantizeConv).
 */
function quantizeWeights(
  matches: readonly WeightMatch[],
  settings: DynamicQuantizationSettings,
): QuantizedWeights {
  const distinctScales = new Set<number>();
  return new QuantizedWeights(matches, (match) => ({
    elementType: settings.weightType,
    symmetric: settings.weightSymmetric,
    reduceRange: settings.reduceRange,
    channelAxis: settings.perChannel && !('kind' in match && match.kind === 'conv') ? 1 : undefined,
    distinctScales,
  }));
}

class DynamicRewriter {
  readonly #graph: Graph;
  readonly #shareActivations: boolean;
  readonly #quantizedWeights: QuantizedWeights;
  /** DynamicQuantizeLinear outputs per activation, reused only when sharing is on. */
  readonly #activations = new Map<Value, QuantizedActivation>();
  readonly #initializers = new Map<string, WeightInitializers>();

  constructor(
    graph: Graph,
    shareActivations: boolean,
    quantizedWeights: QuantizedWeights,
  ) {
    this.#graph = graph;
    this.#shareActivations = shareActivations;
    this.#quantizedWeights = quantizedWeights;
  }

  quantizeMatMul(match: WeightedMatMul): QuantizedNode {
    const { node } = match;
    const weight = this.#weightInitializers(match);
    replaceSingleOutputNode(node, () => {
      // The node's input now, not match.activation: an earlier rewrite (QAttention before its
      // output projection) may have replaced the value the search found.
      const activation = this.#quantizedActivation(node.input(0), node);
      const product = this.#graph.addNode(
        {
          opType: 'MatMulInteger',
          name: `${node.name}_quant`,
          inputs: [activation.values, weight.values, activation.zeroPoint, weight.zeroPoint],
          outputs: [`${node.output(0).name}_quantized`],
        },
        { before: node },
      );
      const rescaled = this.#rescale(product.output(0), activation, weight, node);
      return addGemmBias(this.#graph, match, rescaled, node);
    });
    putConstantBiasSecond(match.linear);
    return this.#report(match);
  }

  /**
   * DynamicQuantizeLinear(X) → com.microsoft QAttention(X_q, W_q, bias, X_scale, W_scale, —,
   * X_zp, W_zp): the input is quantized once for q, k and v, which one integer GEMM computes
   * (onnxruntime prepacks the weight per head); the attention itself stays float inside the op.
   */
  quantizeAttention(match: WeightedAttention): QuantizedNode {
    const { node } = match;
    const weight = this.#weightInitializers(match);
    replaceSingleOutputNode(node, () => {
      const activation = this.#quantizedActivation(node.input(0), node);
      return this.#graph
        .addNode(
          {
            opType: 'QAttention',
            domain: node.domain,
            name: `${node.name}_quant`,
            inputs: [
              activation.values,
              weight.values,
              match.bias,
              activation.scale,
              weight.scale,
              undefined,
              activation.zeroPoint,
              weight.zeroPoint,
            ],
            outputs: [`${node.output(0).name}_quantized`],
            attributes: [...node.attributes.values()],
          },
          { before: node },
        )
        .output(0);
    });
    return this.#report(match);
  }

  /**
   * ConvInteger(X_q, W_q, X_zp, W_zp) → Cast → Mul(scales) → Add(bias as [M, 1, 1]). Always
   * per-tensor: onnxruntime's CPU ConvInteger rejects a per-channel weight zero point.
   */
  quantizeConv(match: WeightedConv): QuantizedNode {
    const { node } = match;
    const weight = this.#weightInitializers(match);
    replaceSingleOutputNode(node, () => {
      const activation = this.#quantizedActivation(node.input(0), node);
      const convolution = this.#graph.addNode(
        {
          opType: 'ConvInteger',
          name: `${node.name}_quant`,
          inputs: [activation.values, weight.values, activation.zeroPoint, weight.zeroPoint],
          outputs: [`${node.output(0).name}_quantized`],
          attributes: [...node.attributes.values()],
        },
        { before: node },
      );
      const rescaled = this.#rescale(convolution.output(0), activation, weight, node);
      if (match.bias === undefined) return rescaled;
      const bias = this.#graph.addInitializer(match.bias, `${match.biasValue!.name}_channels`);
      return this.#graph
        .addNode(
          {
            opType: 'Add',
            name: `${node.name}_bias`,
            inputs: [rescaled, bias],
            outputs: [`${node.name}_bias_output`],
          },
          { before: node },
        )
        .output(0);
    });
    return this.#report(match);
  }

  /** Cast(int32 → float) × (A_scale × W_scale): the two Muls onnxruntime's fusion matches. */
  #rescale(
    integerProduct: Value,
    activation: QuantizedActivation,
    weight: WeightInitializers,
    node: Node,
  ): Value {
    const graph = this.#graph;
    const base = node.output(0).name;
    const cast = graph.addNode(
      {
        opType: 'Cast',
        name: `${node.name}_cast`,
        inputs: [integerProduct],
        outputs: [`${base}_cast`],
        attributes: [attr.int('to', DataType.FLOAT)],
      },
      { before: node },
    );
    const scale = graph.addNode(
      {
        opType: 'Mul',
        name: `${node.name}_scales_mul`,
        inputs: [activation.scale, weight.scale],
        outputs: [`${base}_scale`],
      },
      { before: node },
    );
    return graph
      .addNode(
        {
          opType: 'Mul',
          name: `${node.name}_output_scale_mul`,
          inputs: [cast.output(0), scale.output(0)],
          outputs: [`${base}_rescaled`],
        },
        { before: node },
      )
      .output(0);
  }

  #quantizedActivation(activation: Value, consumer: Node): QuantizedActivation {
    const shared = this.#shareActivations ? this.#activations.get(activation) : undefined;
    if (shared !== undefined) return shared;
    const quantize = this.#graph.addNode(
      {
        opType: 'DynamicQuantizeLinear',
        name: `${activation.name}_QuantizeLinear`,
        inputs: [activation],
        outputs: [
          `${activation.name}_quantized`,
          `${activation.name}_scale`,
          `${activation.name}_zero_point`,
        ],
      },
      { before: consumer },
    );
    const result = {
      values: quantize.output(0),
      scale: quantize.output(1),
      zeroPoint: quantize.output(2),
    };
    this.#activations.set(activation, result);
    return result;
  }

  #weightInitializers(match: WeightMatch): WeightInitializers {
    const key = this.#quantizedWeights.keyOf(match);
    const existing = this.#initializers.get(key);
    if (existing !== undefined) return existing;
    const value = match.weightValue;
    const weight = this.#quantizedWeights.of(match);
    const dims = layoutDims(match);
    const scaleDims = weight.channelAxis === undefined ? [] : [dims[weight.channelAxis]!];
    const elementDataType = weight.elementType === 'uint8' ? DataType.UINT8 : DataType.INT8;
    const initializers = {
      values: addTensor(this.#graph, `${value.name}_quantized`, elementDataType, dims, weight.values),
      scale: addTensor(
        this.#graph,
        `${value.name}_scale`,
        DataType.FLOAT,
        scaleDims,
        weight.scales,
      ),
      zeroPoint: addTensor(
        this.#graph,
        `${value.name}_zero_point`,
        elementDataType,
        scaleDims,
        weight.zeroPoints,
      ),
    };
    this.#initializers.set(key, initializers);
    return initializers;
  }

  #report(match: WeightMatch): QuantizedNode {
    const weight = this.#quantizedWeights.of(match);
    return {
      name: match.node.name,
      opType: match.node.opType,
      weightName: match.weightValue.name,
      weightShape: [...match.weight.dims],
      perChannel: weight.channelAxis !== undefined,
      weightSqnrDb: weight.sqnrDb,
    };
  }
}

/**
 * PyTorch exports a Linear's bias as Add(bias, product). onnxruntime folds the bias into
 * MatMulIntegerToFloat only when it is the Add's second input, so swap the (commutative)
 * operands when the constant comes first.
 */
function putConstantBiasSecond(linear: LinearMatch): void {
  const add = linear.biasAdd;
  if (add === undefined || add.inputs[0] !== linear.bias) return;
  const product = add.input(1);
  add.setInput(0, product);
  add.setInput(1, linear.bias!);
}
