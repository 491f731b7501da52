import { DataType, attr, cleanup, type Model, type Pass, type Value } from '@vit-opt/graph';
import {
  addGemmBias,
  addTensor,
  initializerBytes,
  replaceSingleOutputNode,
} from '../graph/rewrite.js';
import {
  findWeightedNodes,
  matMulWeightData,
  type WeightedMatMul,
} from '../graph/weighted-nodes.js';
import { weightLayoutKey } from '../graph/weight-layouts.js';
import { assertNotQuantized, nothingToQuantizeError } from '../model-checks.js';
import {
  normalizeInt4Options,
  settingsForRecipe,
  type Int4Options,
} from '../options/mode-options.js';
import { makeRecipe, writeRecipe } from '../recipe.js';
import { defineModePass } from './mode-pass.js';
import { Float32Reader } from '../weights/float32-data.js';
import { quantizeInt4Blocks, type Int4BlockWeight } from '../weights/int4-blocks.js';
import { summarizeReport, type QuantizationReport } from '../quantization-report.js';

/** onnxruntime's contrib-op domain, where MatMulNBits lives. */
const MICROSOFT_DOMAIN = 'com.microsoft';

/**
 * Weight-only int4: each MatMul (or Gemm) with a constant float32 weight becomes a
 * com.microsoft MatMulNBits holding the weight as 4-bit blocks along K with a float32 scale per
 * block (and a 4-bit zero point when asymmetric). Activations stay float; onnxruntime
 * dequantizes block by block, or with accuracy level 4 quantizes the activations to int8 per
 * block. An eighth of the float32 size per weight, plus the scales.
 */
export function quantizeWeightsInt4(model: Model, options: Int4Options = {}): QuantizationReport {
  const settings = normalizeInt4Options(options);
  assertNotQuantized(model, 'quantize weights to int4');
  const search = findWeightedNodes(model, settings);
  if (search.found.length === 0) throw nothingToQuantizeError(settings);
  const recipe = makeRecipe(model, 'int4', settingsForRecipe(settings), settings.sourceSha256);
  const sizeBytesBefore = initializerBytes(model);
  const matches = search.found as WeightedMatMul[];
  // Quantize every weight before touching the graph, so a bad weight leaves the model unchanged;
  // once per layout, as a MatMul and a transB Gemm read one initializer as different matrices.
  const blocks = new Map<string, Int4BlockWeight>();
  const reader = new Float32Reader();
  const keyOf = (match: WeightedMatMul): string => weightLayoutKey(match, undefined);
  for (const match of matches) {
    if (blocks.has(keyOf(match))) continue;
    blocks.set(
      keyOf(match),
      quantizeInt4Blocks(matMulWeightData(match, reader), match.k, match.n, {
        blockSize: settings.blockSize,
        symmetric: settings.symmetric,
      }),
    );
  }

  const graph = model.graph;
  if (model.opset(MICROSOFT_DOMAIN) === undefined) model.opsetImports.set(MICROSOFT_DOMAIN, 1);
  const initializers = new Map<string, Value[]>();
  const quantizedNodes = matches.map((match) => {
    const { node, k, n } = match;
    const weight = blocks.get(keyOf(match))!;
    let inputs = initializers.get(keyOf(match));
    if (inputs === undefined) {
      const base = match.weightValue.name;
      const bytesPerBlock = settings.blockSize / 2;
      inputs = [
        addTensor(
          graph,
          `${base}_int4`,
          DataType.UINT8,
          [n, weight.blocksPerColumn, bytesPerBlock],
          weight.packed,
        ),
        addTensor(
          graph,
          `${base}_scales`,
          DataType.FLOAT,
          [n, weight.blocksPerColumn],
          weight.scales,
        ),
      ];
      if (weight.zeroPoints !== undefined) {
        const zeroPointDims = [n, Math.ceil(weight.blocksPerColumn / 2)];
        inputs.push(
          addTensor(graph, `${base}_zero_points`, DataType.UINT8, zeroPointDims, weight.zeroPoints),
        );
      }
      initializers.set(keyOf(match), inputs);
    }
    const weightInputs = inputs;
    replaceSingleOutputNode(node, () => {
      const product = graph.addNode(
        {
          opType: 'MatMulNBits',
          domain: MICROSOFT_DOMAIN,
          name: `${node.name}_int4`,
          // The node's input now: an earlier rewrite may have replaced the value the search found.
          inputs: [node.input(0), ...weightInputs],
          outputs: [`${node.output(0).name}_int4`],
          attributes: [
            attr.int('K', k),
            attr.int('N', n),
            attr.int('bits', 4),
            attr.int('block_size', settings.blockSize),
            attr.int('accuracy_level', settings.accuracyLevel),
          ],
        },
        { before: node },
      );
      return addGemmBias(graph, match, product.output(0), node);
    });
    return {
      name: node.name,
      opType: node.opType,
      weightName: match.weightValue.name,
      weightShape: [...match.weight.dims],
      perChannel: false,
      blockSize: settings.blockSize,
      weightSqnrDb: weight.sqnrDb,
    };
  });
  // The float weights, and a Gemm's C replaced by a scaled copy, are left unused.
  cleanup(graph);
  writeRecipe(model, recipe);
  return {
    quantizedNodes,
    skipped: search.skipped,
    sizeBytesBefore,
    sizeBytesAfter: initializerBytes(model),
  };
}

/** quantizeWeightsInt4 as a pass for runPasses (options checked now). */
export function quantizeWeightsInt4Pass(options: Int4Options = {}): Pass {
  normalizeInt4Options(options);
  return defineModePass(
    'quantize-weights-int4',
    'int4',
    (model) => quantizeWeightsInt4(model, options),
    summarizeReport,
  );
}
