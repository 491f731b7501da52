import {
  DataType,
  Tensor,
  VitOptError,
  cleanup,
  constantTensorOf,
  dataUses,
  findAttentionBlocks,
  findPatchEmbedding,
  findVitStructure,
  isOp,
  type Graph,
  type Model,
  type TensorType,
  type Value,
  type VitStructure,
} from '@vit-opt/graph';
import { interpolateGridBicubic } from './interpolate-bicubic.js';
import { vitMultiplyAdds } from './multiply-adds.js';
import { writePruneRecipe } from './recipe.js';
import { writeSourceRecipe } from './source-recipe.js';
import { rewriteTokenShapes, type SizeChange } from './token-shapes.js';

export interface ResizeInputOptions {
  /** The new height and width of the input image, in pixels: a multiple of the patch size. */
  readonly size: number;
  /** Recorded in the recipe: the SHA-256 of the model file being resized. */
  readonly sourceSha256?: string;
}

export interface ResizeInputResult {
  readonly sizeBefore: number;
  readonly sizeAfter: number;
  readonly patchSize: number;
  /** Patches along each side. */
  readonly gridBefore: number;
  readonly gridAfter: number;
  /** Rows of the position embedding: the patches and the class (and distillation) tokens. */
  readonly tokensBefore: number;
  readonly tokensAfter: number;
  /** The tokens before the patches, kept as they are. */
  readonly prefixTokens: number;
  readonly positionEmbedding: string;
  /** Nodes whose shape constants were rewritten. */
  readonly rewritten: readonly string[];
  /** Multiply-adds per image (see vitMultiplyAdds); null when the graph does not tell them. */
  readonly multiplyAddsBefore: number | null;
  readonly multiplyAddsAfter: number | null;
}

const LOOKED_FOR =
  'a patch embedding (a Conv whose kernel equals its stride over a constant [hidden, channels, k, k] ' +
  'weight) whose flattened patches, after the class token is prepended, get a learned position ' +
  'embedding added (a constant [1, tokens, hidden])';

/**
 * Makes `model` take `size`×`size` images, in place: the learned position embedding is
 * interpolated over the patch grid, bicubic as PyTorch's `F.interpolate(mode='bicubic',
 * align_corners=False)` (what Hugging Face's `interpolate_pos_encoding` does at run time), the
 * class and distillation tokens' rows kept; the constants that hold the token count, patch count,
 * grid or image side are rewritten (Reshape and Expand shapes, Slice bounds, …) and the image
 * input's height and width set. Shapes recorded for inner values are dropped (onnxruntime infers
 * them again). At the current size nothing changes. The recipe goes into metadata_props: a step
 * of the pruning recipe, and a vit-opt recipe (mode 'resize') naming the source if it has none.
 */
export function resizeInput(model: Model, options: ResizeInputOptions): ResizeInputResult {
  const graph = model.graph;
  const vit = findVitStructure(graph);
  const patchMatch = findPatchEmbedding(graph);
  const position = vit?.positionEmbedding ?? null;
  if (vit === null || patchMatch === undefined || position === null) {
    const missing = [
      ...(patchMatch === undefined ? ['no patch embedding'] : []),
      ...(position === null ? ['no position embedding'] : []),
      ...(vit === null ? ['no attention block'] : []),
    ];
    throw new VitOptError(
      'UNSUPPORTED',
      `no ViT input recognised (${missing.join(', ')}); looked for ${LOOKED_FOR}`,
      { subject: 'model' },
    );
  }
  const embedding = vit.patchEmbedding!;
  const patchSize = embedding.patchSize;
  if (patchSize === null) {
    throw new VitOptError(
      'UNSUPPORTED',
      `the patch embedding '${embedding.node}' has rectangular patches (${embedding.kernelShape.join('×')}); only square ones are resized`,
      { subject: 'model' },
    );
  }
  const { size } = options;
  if (!Number.isInteger(size) || size < patchSize || size % patchSize !== 0) {
    throw new VitOptError(
      'INVALID_ARGUMENT',
      `size must be a whole multiple of the patch size ${patchSize} (${patchSize}, ${2 * patchSize}, …), got ${size}`,
      { subject: 'size' },
    );
  }
  const grid = oldGrid(vit, position.tokenCount);
  const prefixTokens = position.tokenCount - grid * grid;
  const sizeBefore = embedding.imageSize?.height ?? grid * patchSize;
  const gridAfter = size / patchSize;
  const tokensAfter = prefixTokens + gridAfter * gridAfter;
  const multiplyAddsBefore = vitMultiplyAdds(model);
  const result = {
    sizeBefore,
    sizeAfter: size,
    patchSize,
    gridBefore: grid,
    gridAfter,
    tokensBefore: position.tokenCount,
    tokensAfter,
    prefixTokens,
    positionEmbedding: position.initializer,
  };
  if (gridAfter === grid && sizeBefore === size) {
    return {
      ...result,
      rewritten: [],
      multiplyAddsBefore,
      multiplyAddsAfter: multiplyAddsBefore,
    };
  }

  const change: SizeChange = new Map(
    (
      [
        [position.tokenCount, tokensAfter, 'token count'],
        [grid * grid, gridAfter * gridAfter, 'patch count'],
        [grid, gridAfter, 'patch grid side'],
        [sizeBefore, size, 'image side'],
      ] as const
    )
      .filter(([from, to]) => from !== to)
      .map(([from, to, what]) => [from, { to, what }]),
  );
  const flatten = dataUses(patchMatch.node.outputs[0]!).find((use) =>
    isOp(use.node, 'Reshape', 'Flatten'),
  )?.node;
  const rewritten = rewriteTokenShapes(graph, change, {
    patchFlatten: flatten,
    attention: findAttentionBlocks(graph),
    structural: structuralSizes(vit),
  });
  replacePositionEmbedding(graph, position.initializer, prefixTokens, grid, gridAfter);
  resizeGraphIo(graph, sizeBefore, size, position.tokenCount, tokensAfter);
  cleanup(graph);
  dropInnerShapes(graph);
  writePruneRecipe(model, {
    pass: 'resizeInput',
    kind: 'resize',
    from: sizeBefore,
    to: size,
    tokens: [position.tokenCount, tokensAfter],
    ...(options.sourceSha256 === undefined ? {} : { source: { sha256: options.sourceSha256 } }),
  });
  writeSourceRecipe(model, 'resize', { size, from: sizeBefore }, options.sourceSha256);
  return { ...result, rewritten, multiplyAddsBefore, multiplyAddsAfter: vitMultiplyAdds(model) };
}

/** The side of the square patch grid the position embedding was learned for. */
function oldGrid(vit: VitStructure, tokens: number): number {
  const patches = vit.patchEmbedding?.patchCount ?? tokens - (vit.clsToken === null ? 0 : 1);
  const grid = Math.round(Math.sqrt(patches));
  const image = vit.patchEmbedding?.imageSize;
  if (grid * grid !== patches || patches > tokens || (image && image.height !== image.width)) {
    throw new VitOptError(
      'UNSUPPORTED',
      `the position embedding's ${tokens} rows are not a square grid of patches after the class token` +
        (image ? ` (input ${image.height}×${image.width})` : ''),
      { subject: 'model' },
    );
  }
  return grid;
}

/** Head counts, widths and the other sizes the model is built of, by value. */
function structuralSizes(vit: VitStructure): Map<number, string> {
  const sizes = new Map<number, string>();
  const add = (value: number | null | undefined, what: string): void => {
    if (value !== null && value !== undefined && !sizes.has(value)) sizes.set(value, what);
  };
  for (const layer of vit.layers) {
    add(layer.heads, 'head count');
    add(layer.headDim, 'head size');
    add(
      layer.heads !== null && layer.headDim !== null ? layer.heads * layer.headDim : null,
      'attention width',
    );
    add(layer.hiddenSize, 'hidden size');
    add(layer.intermediateSize, 'MLP size');
  }
  add(vit.classCount, 'class count');
  add(vit.patchEmbedding?.inChannels, 'channel count');
  add(vit.patchEmbedding?.patchSize, 'patch size');
  return sizes;
}

/** The table's patch rows interpolated from a `from`×`from` grid to `to`×`to`, prefix rows kept. */
function replacePositionEmbedding(
  graph: Graph,
  name: string,
  prefixTokens: number,
  from: number,
  to: number,
): void {
  const value = graph.value(name)!;
  const tensor = constantTensorOf(value)!;
  if (tensor.dtype !== DataType.FLOAT) {
    throw new VitOptError(
      'UNSUPPORTED',
      `the position embedding '${name}' is not float32; resize the float32 model before converting it`,
      { subject: 'model' },
    );
  }
  const channels = tensor.dims.at(-1)!;
  const table = tensor.float32();
  const prefix = prefixTokens * channels;
  const patches = interpolateGridBicubic(table.subarray(prefix), from, to, channels);
  const data = new Float32Array(prefix + patches.length);
  data.set(table.subarray(0, prefix));
  data.set(patches, prefix);
  const dims = [...tensor.dims];
  dims[dims.length - 2] = prefixTokens + to * to;
  const resized = Tensor.fromArray({ dtype: DataType.FLOAT, dims }, data);
  if (value.initializer !== undefined) {
    graph.setInitializer(value, resized);
  } else {
    // A Constant node's output: the new table takes its uses, cleanup removes the node.
    value.replaceAllUsesWith(graph.addInitializer(resized, name));
  }
}

/** The image input's static height and width, and a token axis of an output, at the new size. */
function resizeGraphIo(
  graph: Graph,
  sizeBefore: number,
  sizeAfter: number,
  tokensBefore: number,
  tokensAfter: number,
): void {
  const retype = (value: Value, shape: TensorType['shape']): void => {
    value.type = { ...(value.type as TensorType), shape: shape! };
  };
  for (const input of graph.inputs) {
    const shape = input.type?.kind === 'tensor' ? input.type.shape : undefined;
    if (shape?.length === 4 && shape[2] === sizeBefore && shape[3] === sizeBefore)
      retype(input, [shape[0]!, shape[1]!, sizeAfter, sizeAfter]);
  }
  for (const output of graph.outputs) {
    const shape = output.type?.kind === 'tensor' ? output.type.shape : undefined;
    if (shape?.length === 3 && shape[1] === tokensBefore)
      retype(output, [shape[0]!, tokensAfter, shape[2]!]);
  }
}

/** Shapes recorded for inner values hold the old token count: onnxruntime infers them again. */
function dropInnerShapes(graph: Graph): void {
  for (const value of graph.nodes.flatMap((node) => node.outputs)) {
    if (value === undefined || value.isGraphOutput || value.type === undefined) continue;
    value.type = undefined;
    value.declared = false;
  }
}
