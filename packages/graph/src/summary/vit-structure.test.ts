import { describe, expect, it } from 'vitest';
import { attr, type Attribute } from '../ir/attribute.js';
import { DataType } from '../ir/dtype.js';
import { Model } from '../ir/model.js';
import { Tensor } from '../ir/tensor.js';
import type { Value } from '../ir/value.js';
import { simplify } from '../passes/simplify.js';
import { validateModel } from '../passes/validate.js';
import { formatSummary } from './format-summary.js';
import { summarizeModel } from './model-summary.js';
import { findVitStructure } from './vit-structure.js';

/** How a synthetic ViT is exported: each option is one way real exports differ. */
interface ExportStyle {
  attention: 'hf' | 'torchvision';
  layerNorm: 'decomposed' | 'fused';
  gelu: 'erf' | 'op' | 'tanh';
  linear: 'matmul' | 'gemm';
  /** 'tied': each distinct constant is stored once, repeats read it through Identity (as torch ties). */
  constants: 'initializer' | 'node' | 'tied';
  /** HF head split: a constant shape, or Concat of Shape→Gather pieces with heads and/or head_dim. */
  headShape: 'constant' | 'concat' | 'heads-only' | 'head-dim-only';
  /** Softmax scaling; 'none' as when an optimizer folded it into the query weights. */
  scale: 'div' | 'mul' | 'none';
  /** torchvision: how the packed projection is cut into q, k and v. */
  qkvCut: 'slice' | 'split';
  image: number | 'dynamic';
}

interface VitShape {
  headsPerLayer: number[];
  headDim: number;
  hidden: number;
  mlp: number;
  classes: number;
  patch: number;
  channels: number;
}

const TINY: VitShape = {
  headsPerLayer: [4, 4],
  headDim: 8,
  hidden: 32,
  mlp: 64,
  classes: 5,
  patch: 4,
  channels: 3,
};

const HF: ExportStyle = {
  attention: 'hf',
  layerNorm: 'decomposed',
  gelu: 'erf',
  linear: 'matmul',
  constants: 'initializer',
  headShape: 'concat',
  scale: 'div',
  qkvCut: 'slice',
  image: 16,
};

const TORCHVISION: ExportStyle = {
  ...HF,
  attention: 'torchvision',
  layerNorm: 'fused',
  headShape: 'constant',
};

/** Builds a ViT graph the way exporters spell it, with names that say what each node is. */
class VitBuilder {
  readonly model = new Model({ opsetImports: new Map([['', 17]]) });
  readonly #style: ExportStyle;
  /** For 'tied' constants: the first value holding each distinct tensor, by dtype, dims and bytes. */
  readonly #stored = new Map<string, Value>();

  constructor(style: ExportStyle) {
    this.#style = style;
  }

  get graph() {
    return this.model.graph;
  }

  build(shape: VitShape): Model {
    const g = this.graph;
    const side = this.#style.image;
    const pixels = g.createValue('pixel_values');
    pixels.type = {
      kind: 'tensor',
      elemType: DataType.FLOAT,
      shape: ['batch', shape.channels, side, side],
    };
    g.inputs.push(pixels);
    let x = this.embed(pixels, shape);
    shape.headsPerLayer.forEach((heads, i) => (x = this.layer(`layer${i}`, x, heads, shape)));
    const norm = this.layerNorm('final_norm', x, shape.hidden);
    const cls = this.op('Gather', 'pool', [norm, this.ints([0], [])], [attr.int('axis', 1)]);
    const logits = this.linearLayer('classifier', cls, shape.hidden, shape.classes, 'gemm');
    g.outputs.push(logits);
    return this.model;
  }

  embed(pixels: Value, shape: VitShape): Value {
    const conv = this.op(
      'Conv',
      'patch_embed',
      [
        pixels,
        this.floats([shape.hidden, shape.channels, shape.patch, shape.patch]),
        this.floats([shape.hidden]),
      ],
      [
        attr.ints('kernel_shape', [shape.patch, shape.patch]),
        attr.ints('strides', [shape.patch, shape.patch]),
      ],
    );
    const flat = this.op('Reshape', 'patch_flatten', [conv, this.ints([0, shape.hidden, -1])]);
    const tokens = this.op('Transpose', 'patch_transpose', [flat], [attr.ints('perm', [0, 2, 1])]);
    const batch = this.op('Gather', 'batch_size', [
      this.op('Shape', 'pixel_shape', [pixels]),
      this.ints([0]),
    ]);
    const expandShape = this.op(
      'Concat',
      'cls_shape',
      [batch, this.ints([1, 1])],
      [attr.int('axis', 0)],
    );
    const cls = this.op('Expand', 'cls_expand', [
      this.floats([1, 1, shape.hidden], 'cls_token'),
      expandShape,
    ]);
    const joined = this.op('Concat', 'prepend_cls', [cls, tokens], [attr.int('axis', 1)]);
    const patches =
      (typeof this.#style.image === 'number' ? this.#style.image / shape.patch : 4) ** 2;
    return this.op('Add', 'add_position', [
      joined,
      this.floats([1, patches + 1, shape.hidden], 'position_embeddings'),
    ]);
  }

  layer(name: string, x: Value, heads: number, shape: VitShape): Value {
    const width = heads * shape.headDim;
    const normed = this.layerNorm(`${name}.norm1`, x, shape.hidden);
    const attended =
      this.#style.attention === 'hf'
        ? this.hfAttention(name, normed, heads, width, shape)
        : this.torchvisionAttention(name, normed, heads, width, shape);
    const residual = this.op('Add', `${name}.residual1`, [attended, x]);
    const normed2 = this.layerNorm(`${name}.norm2`, residual, shape.hidden);
    const fc1 = this.linearLayer(`${name}.fc1`, normed2, shape.hidden, shape.mlp);
    const fc2 = this.linearLayer(
      `${name}.fc2`,
      this.gelu(`${name}.gelu`, fc1),
      shape.mlp,
      shape.hidden,
    );
    return this.op('Add', `${name}.residual2`, [fc2, residual]);
  }

  hfAttention(name: string, x: Value, heads: number, width: number, shape: VitShape): Value {
    const split = (projection: Value, role: string, perm: number[]): Value => {
      const reshaped = this.op('Reshape', `${name}.${role}_split`, [
        projection,
        this.headSplitShape(name, role, projection, heads, shape.headDim),
      ]);
      return this.op(
        'Transpose',
        `${name}.${role}_transpose`,
        [reshaped],
        [attr.ints('perm', perm)],
      );
    };
    const q = split(this.linearLayer(`${name}.query`, x, shape.hidden, width), 'q', [0, 2, 1, 3]);
    const k = split(this.linearLayer(`${name}.key`, x, shape.hidden, width), 'k', [0, 2, 3, 1]);
    const v = split(this.linearLayer(`${name}.value`, x, shape.hidden, width), 'v', [0, 2, 1, 3]);
    const scores = this.scaled(name, this.op('MatMul', `${name}.scores`, [q, k]), shape.headDim);
    const probs = this.op('Softmax', `${name}.softmax`, [scores], [attr.int('axis', -1)]);
    const context = this.op('MatMul', `${name}.context`, [probs, v]);
    const merged = this.op(
      'Transpose',
      `${name}.merge_transpose`,
      [context],
      [attr.ints('perm', [0, 2, 1, 3])],
    );
    const flat = this.op('Reshape', `${name}.merge`, [merged, this.ints([0, 0, width])]);
    return this.linearLayer(`${name}.output`, flat, width, shape.hidden);
  }

  headSplitShape(
    name: string,
    role: string,
    projection: Value,
    heads: number,
    headDim: number,
  ): Value {
    const style = this.#style.headShape;
    if (style === 'constant') return this.ints([0, 0, heads, headDim]);
    const dim = (axis: number): Value => {
      const shapeOf = this.op('Shape', `${name}.${role}_shape${axis}`, [projection]);
      const gathered = this.op('Gather', `${name}.${role}_dim${axis}`, [
        shapeOf,
        this.ints([axis], []),
      ]);
      return this.op('Unsqueeze', `${name}.${role}_unsqueeze${axis}`, [gathered, this.ints([0])]);
    };
    const headsPiece = this.ints([style === 'head-dim-only' ? -1 : heads]);
    const headDimPiece = this.ints([style === 'heads-only' ? -1 : headDim]);
    return this.op(
      'Concat',
      `${name}.${role}_split_shape`,
      [dim(0), dim(1), headsPiece, headDimPiece],
      [attr.int('axis', 0)],
    );
  }

  /** nn.MultiheadAttention: sequence-first, one packed in-projection, heads folded into the batch. */
  torchvisionAttention(
    name: string,
    x: Value,
    heads: number,
    width: number,
    shape: VitShape,
  ): Value {
    const seqFirst = this.op('Transpose', `${name}.seq_first`, [x], [attr.ints('perm', [1, 0, 2])]);
    const packed = this.linearLayer(`${name}.in_proj`, seqFirst, shape.hidden, 3 * width);
    const [q, k, v] = this.cutQkv(name, packed, width);
    const dims = (axis: number) =>
      this.op('Gather', `${name}.dim${axis}`, [
        this.op('Shape', `${name}.shape${axis}`, [seqFirst]),
        this.ints([axis], []),
      ]);
    const unsqueeze = (v: Value, tag: string) =>
      this.op('Unsqueeze', `${name}.unsqueeze_${tag}`, [v, this.ints([0])]);
    const batchTimesHeads = this.op('Mul', `${name}.batch_x_heads`, [
      dims(1),
      this.ints([heads], []),
    ]);
    const headDim = this.op('Div', `${name}.head_dim`, [dims(2), this.ints([heads], [])]);
    const splitShape = this.op(
      'Concat',
      `${name}.split_shape`,
      [unsqueeze(dims(0), 's'), unsqueeze(batchTimesHeads, 'bh'), unsqueeze(headDim, 'd')],
      [attr.int('axis', 0)],
    );
    const heads3d = (t: Value, role: string, perm: number[]) =>
      this.op(
        'Transpose',
        `${name}.${role}_heads`,
        [this.op('Reshape', `${name}.${role}_split`, [t, splitShape])],
        [attr.ints('perm', perm)],
      );
    const qScaled = this.scaled(name, heads3d(q, 'q', [1, 0, 2]), shape.headDim);
    const scores = this.op('MatMul', `${name}.scores`, [qScaled, heads3d(k, 'k', [1, 2, 0])]);
    const probs = this.op('Softmax', `${name}.softmax`, [scores], [attr.int('axis', -1)]);
    const context = this.op('MatMul', `${name}.context`, [probs, heads3d(v, 'v', [1, 0, 2])]);
    const merged = this.op('Reshape', `${name}.merge`, [
      this.op('Transpose', `${name}.merge_transpose`, [context], [attr.ints('perm', [1, 0, 2])]),
      this.ints([-1, width]),
    ]);
    const projected = this.linearLayer(`${name}.out_proj`, merged, width, shape.hidden, 'gemm');
    const unflat = this.op('Reshape', `${name}.unflatten`, [
      projected,
      this.ints([-1, 1, shape.hidden]),
    ]);
    return this.op('Transpose', `${name}.batch_first`, [unflat], [attr.ints('perm', [1, 0, 2])]);
  }

  cutQkv(name: string, packed: Value, width: number): [Value, Value, Value] {
    if (this.#style.qkvCut === 'split') {
      const split = this.graph.addNode({
        opType: 'Split',
        name: `${name}.qkv_split`,
        inputs: [packed],
        outputs: 3,
        attributes: [attr.int('axis', -1)],
      });
      return [split.output(0), split.output(1), split.output(2)];
    }
    const slice = (i: number): Value =>
      this.op('Slice', `${name}.qkv_slice${i}`, [
        packed,
        this.ints([i * width]),
        this.ints([(i + 1) * width]),
        this.ints([-1]),
      ]);
    return [slice(0), slice(1), slice(2)];
  }

  scaled(name: string, x: Value, headDim: number): Value {
    const scale = this.#style.scale;
    if (scale === 'none') return x;
    if (scale === 'div')
      return this.op('Div', `${name}.scale`, [x, this.floats([], undefined, [Math.sqrt(headDim)])]);
    return this.op('Mul', `${name}.scale`, [
      x,
      this.floats([], undefined, [1 / Math.sqrt(headDim)]),
    ]);
  }

  linearLayer(
    name: string,
    x: Value,
    inFeatures: number,
    outFeatures: number,
    form = this.#style.linear,
  ): Value {
    if (form === 'gemm') {
      const weight = this.floats([outFeatures, inFeatures], `${name}.weight`);
      return this.op(
        'Gemm',
        name,
        [x, weight, this.floats([outFeatures], `${name}.bias`)],
        [attr.int('transB', 1)],
      );
    }
    const product = this.op('MatMul', `${name}.matmul`, [
      x,
      this.floats([inFeatures, outFeatures], `${name}.weight`),
    ]);
    return this.op('Add', `${name}.bias_add`, [
      this.floats([outFeatures], `${name}.bias`),
      product,
    ]);
  }

  layerNorm(name: string, x: Value, hidden: number): Value {
    const gamma = this.floats([hidden], `${name}.weight`);
    const beta = this.floats([hidden], `${name}.bias`);
    if (this.#style.layerNorm === 'fused') {
      return this.op(
        'LayerNormalization',
        name,
        [x, gamma, beta],
        [attr.int('axis', -1), attr.float('epsilon', 1e-6)],
      );
    }
    const axes = [attr.ints('axes', [-1])];
    const mean = this.op('ReduceMean', `${name}.mean`, [x], axes);
    const centered = this.op('Sub', `${name}.center`, [x, mean]);
    const squared = this.op('Pow', `${name}.square`, [centered, this.floats([], undefined, [2])]);
    const variance = this.op('ReduceMean', `${name}.variance`, [squared], axes);
    const std = this.op('Sqrt', `${name}.std`, [
      this.op('Add', `${name}.epsilon`, [variance, this.floats([], undefined, [1e-12])]),
    ]);
    const normalized = this.op('Div', `${name}.normalize`, [centered, std]);
    return this.op('Add', `${name}.beta`, [
      this.op('Mul', `${name}.gamma`, [normalized, gamma]),
      beta,
    ]);
  }

  gelu(name: string, x: Value): Value {
    const scalar = (v: number) => this.floats([], undefined, [v]);
    if (this.#style.gelu === 'op') return this.op('Gelu', name, [x]);
    if (this.#style.gelu === 'erf') {
      const erf = this.op('Erf', `${name}.erf`, [
        this.op('Div', `${name}.div`, [x, scalar(Math.SQRT2)]),
      ]);
      const gated = this.op('Mul', `${name}.mul`, [
        x,
        this.op('Add', `${name}.add`, [erf, scalar(1)]),
      ]);
      return this.op('Mul', `${name}.half`, [gated, scalar(0.5)]);
    }
    const cubed = this.op('Mul', `${name}.cube_scale`, [
      this.op('Pow', `${name}.cube`, [x, scalar(3)]),
      scalar(0.044715),
    ]);
    const inner = this.op('Mul', `${name}.inner`, [
      this.op('Add', `${name}.sum`, [x, cubed]),
      scalar(Math.sqrt(2 / Math.PI)),
    ]);
    const gate = this.op('Add', `${name}.gate`, [
      this.op('Tanh', `${name}.tanh`, [inner]),
      scalar(1),
    ]);
    return this.op('Mul', `${name}.half`, [this.op('Mul', `${name}.mul`, [x, gate]), scalar(0.5)]);
  }

  op(opType: string, name: string, inputs: Value[], attributes: Attribute[] = []): Value {
    return this.graph
      .addNode({ opType, name, inputs, attributes, outputs: [`${name}_out`] })
      .output(0);
  }

  floats(dims: number[], name?: string, values?: number[]): Value {
    const count = dims.reduce((a, b) => a * b, 1);
    const data = values ?? Array.from({ length: count }, (_, i) => Math.sin(i));
    return this.constant(Tensor.fromNumbers({ dtype: DataType.FLOAT, dims }, data), name ?? 'c');
  }

  ints(values: number[], dims = [values.length]): Value {
    return this.constant(
      Tensor.fromNumbers({ dtype: DataType.INT64, dims }, values.map(BigInt)),
      'shape',
    );
  }

  constant(tensor: Tensor, name: string): Value {
    if (this.#style.constants === 'initializer') return this.graph.addInitializer(tensor, name);
    if (this.#style.constants === 'tied') {
      const key = `${tensor.dtype}:${tensor.dims.join('x')}:${tensor.bytes().join(',')}`;
      const stored = this.#stored.get(key);
      if (stored === undefined) {
        const value = this.graph.addInitializer(tensor, name);
        this.#stored.set(key, value);
        return value;
      }
      return this.op('Identity', name, [stored]);
    }
    const node = this.graph.addNode({
      opType: 'Constant',
      name: `${name}_constant`,
      outputs: [name],
      attributes: [attr.tensor('value', tensor)],
    });
    return node.output(0);
  }
}

function buildVit(style: ExportStyle, shape: VitShape = TINY): Model {
  const model = new VitBuilder(style).build(shape);
  expect(validateModel(model)).toEqual([]);
  return model;
}

describe('findVitStructure on Hugging Face-style attention', () => {
  it('recognises every part of a ViT with decomposed LayerNorm and Erf GELU', () => {
    const vit = findVitStructure(buildVit(HF).graph)!;
    expect(vit).toMatchObject({
      layerCount: 2,
      hiddenSize: 32,
      heads: 4,
      headDim: 8,
      intermediateSize: 64,
      attentionStyle: 'separate_qkv',
      clsToken: 'cls_token',
      positionEmbedding: { initializer: 'position_embeddings', tokenCount: 17 },
      classCount: 5,
      classifier: { node: 'classifier', op: 'Gemm', inFeatures: 32, outFeatures: 5 },
      patchEmbedding: {
        node: 'patch_embed',
        inChannels: 3,
        hiddenSize: 32,
        patchSize: 4,
        imageSize: { height: 16, width: 16 },
        patchCount: 16,
      },
    });
    const layer = vit.layers[1]!;
    expect(layer.attention).toMatchObject({
      style: 'separate_qkv',
      softmax: 'layer1.softmax',
      query: {
        node: 'layer1.query.matmul',
        biasNode: 'layer1.query.bias_add',
        weight: 'layer1.query.weight',
        outFeatures: 32,
      },
      key: { node: 'layer1.key.matmul' },
      value: { node: 'layer1.value.matmul' },
      qkv: null,
      output: { node: 'layer1.output.matmul', inFeatures: 32, outFeatures: 32 },
    });
    expect(layer.mlp).toMatchObject({
      fc1: { node: 'layer1.fc1.matmul', outFeatures: 64 },
      fc2: { node: 'layer1.fc2.matmul' },
    });
    expect(layer.layerNormBeforeAttention).toEqual({
      style: 'decomposed',
      nodes: [
        'mean',
        'center',
        'square',
        'variance',
        'epsilon',
        'std',
        'normalize',
        'gamma',
        'beta',
      ].map((n) => `layer1.norm1.${n}`),
    });
    expect(layer.layerNormBeforeMlp?.nodes.at(-1)).toBe('layer1.norm2.beta');
    expect(vit.finalLayerNorm?.nodes.at(-1)).toBe('final_norm.beta');
  });

  it('is indifferent to Constant nodes, fused LayerNorm, a Gelu op, Gemm layers and a Mul scale', () => {
    const style: ExportStyle = {
      ...HF,
      constants: 'node',
      layerNorm: 'fused',
      gelu: 'op',
      linear: 'gemm',
      headShape: 'constant',
      scale: 'mul',
    };
    const vit = findVitStructure(buildVit(style).graph)!;
    expect(vit).toMatchObject({
      layerCount: 2,
      heads: 4,
      headDim: 8,
      hiddenSize: 32,
      intermediateSize: 64,
      classCount: 5,
    });
    expect(vit.layers[0]!.attention.query).toMatchObject({
      node: 'layer0.query',
      op: 'Gemm',
      biasNode: null,
      bias: 'layer0.query.bias',
    });
    expect(vit.layers[0]!.layerNormBeforeAttention).toEqual({
      style: 'fused',
      nodes: ['layer0.norm1'],
    });
    expect(vit.layers[0]!.mlp?.fc1.node).toBe('layer0.fc1');
  });

  it('recognises GELU in its tanh form', () => {
    const vit = findVitStructure(buildVit({ ...HF, gelu: 'tanh' }).graph)!;
    expect(vit.layers.map((l) => l.intermediateSize)).toEqual([64, 64]);
  });

  it.each([
    ['heads-only' as const, 'the heads constant'],
    ['head-dim-only' as const, 'the head_dim constant'],
  ])(
    'finds heads from %s in the split shape (%s, the other dim -1, no scale)',
    (headShape, _clue) => {
      const vit = findVitStructure(
        buildVit({ ...HF, headShape, scale: 'none' }, { ...TINY, headsPerLayer: [2] }).graph,
      )!;
      expect(vit).toMatchObject({ heads: 2, headDim: 8 });
    },
  );

  it('falls back on the softmax scale when the split shapes hold no head constants', () => {
    const model = buildVit({ ...HF, headShape: 'constant' }, { ...TINY, headsPerLayer: [2] });
    const unresolved = model.graph.addInitializer(
      Tensor.fromNumbers({ dtype: DataType.INT64, dims: [4] }, [0n, 0n, -1n, -1n]),
      'unresolved_shape',
    );
    for (const role of ['q', 'k', 'v']) {
      model.graph.nodes.find((n) => n.name === `layer0.${role}_split`)!.setInput(1, unresolved);
    }
    expect(findVitStructure(model.graph)).toMatchObject({ heads: 2, headDim: 8 });
  });

  it('reports heads per layer after head pruning, and null for the model-wide count', () => {
    const model = buildVit({ ...HF, headShape: 'constant' }, { ...TINY, headsPerLayer: [4, 3, 1] });
    const vit = findVitStructure(model.graph)!;
    expect(vit.layers.map((l) => [l.heads, l.headDim, l.hiddenSize])).toEqual([
      [4, 8, 32],
      [3, 8, 32],
      [1, 8, 32],
    ]);
    expect(vit).toMatchObject({ heads: null, headDim: 8, hiddenSize: 32 });
    expect(formatSummary(summarizeModel(model))).toContain(
      'ViT: 3 layers × 1–4 heads, hidden 32, MLP 64',
    );
  });

  it('counts patches from the position table when the image size is symbolic', () => {
    const vit = findVitStructure(buildVit({ ...HF, image: 'dynamic' }).graph)!;
    expect(vit.patchEmbedding).toMatchObject({ imageSize: null, patchCount: 16, patchSize: 4 });
  });
});

describe('findVitStructure on torchvision-style attention', () => {
  it('recognises a packed in-projection cut by Slice, with heads from batch × heads', () => {
    const vit = findVitStructure(buildVit({ ...TORCHVISION, scale: 'none' }).graph)!;
    expect(vit).toMatchObject({
      layerCount: 2,
      heads: 4,
      headDim: 8,
      hiddenSize: 32,
      intermediateSize: 64,
      attentionStyle: 'fused_qkv',
    });
    expect(vit.layers[0]!.attention).toMatchObject({
      style: 'fused_qkv',
      query: null,
      qkv: { node: 'layer0.in_proj.matmul', inFeatures: 32, outFeatures: 96 },
      output: { node: 'layer0.out_proj', op: 'Gemm' },
    });
    expect(vit.layers[0]!.layerNormBeforeAttention).toEqual({
      style: 'fused',
      nodes: ['layer0.norm1'],
    });
  });

  it('recognises a packed in-projection cut by Split, with decomposed LayerNorm and Constant nodes', () => {
    const style: ExportStyle = {
      ...TORCHVISION,
      qkvCut: 'split',
      layerNorm: 'decomposed',
      constants: 'node',
    };
    const vit = findVitStructure(buildVit(style).graph)!;
    expect(vit).toMatchObject({
      layerCount: 2,
      heads: 4,
      headDim: 8,
      attentionStyle: 'fused_qkv',
      classCount: 5,
    });
    expect(vit.layers[1]!.layerNormBeforeMlp?.style).toBe('decomposed');
  });

  it('still recognises both styles after the simplify passes', async () => {
    for (const style of [HF, TORCHVISION]) {
      const model = buildVit({ ...style, constants: 'node' });
      await simplify(model);
      expect(findVitStructure(model.graph)).toMatchObject({
        layerCount: 2,
        heads: 4,
        headDim: 8,
        intermediateSize: 64,
      });
    }
  });
});

describe('findVitStructure with identical constants tied through Identity', () => {
  // torch's exporter keeps one initializer per distinct tensor and feeds its other users through
  // Identity: here every bias, LayerNorm parameter, shape and scalar after the first of its kind.
  it.each([
    ['Hugging Face', HF],
    ['torchvision', TORCHVISION],
  ])('recognises every layer of the %s style', (_name, style) => {
    const model = buildVit({ ...style, constants: 'tied' }, { ...TINY, headsPerLayer: [4, 4, 4] });
    const identities = model.graph.nodes.filter((n) => n.opType === 'Identity');
    expect(identities.length).toBeGreaterThan(20);
    const vit = findVitStructure(model.graph)!;
    expect(vit).toMatchObject({
      layerCount: 3,
      hiddenSize: 32,
      heads: 4,
      headDim: 8,
      intermediateSize: 64,
      classCount: 5,
      positionEmbedding: { tokenCount: 17 },
      patchEmbedding: { imageSize: { height: 16, width: 16 }, patchCount: 16 },
    });
    expect(vit.clsToken).not.toBeNull();
    for (const layer of vit.layers) {
      expect(layer.mlp).not.toBeNull();
      expect(layer.attention.output).not.toBeNull();
      expect(layer.layerNormBeforeAttention?.style).toBe(style.layerNorm);
      expect(layer.layerNormBeforeMlp?.style).toBe(style.layerNorm);
    }
    expect(vit.finalLayerNorm?.style).toBe(style.layerNorm);
  });

  it('reports a tied bias by the value its layer reads', () => {
    const model = buildVit({ ...HF, constants: 'tied' });
    const query = findVitStructure(model.graph)!.layers[1]!.attention.query!;
    const bias = model.graph.value(query.bias!)!;
    expect(bias.producer()?.opType).toBe('Identity');
    expect(query).toMatchObject({ biasNode: 'layer1.query.bias_add', outFeatures: 32 });
  });
});

describe('findVitStructure on other models', () => {
  it('returns null for a model without self-attention', () => {
    const builder = new VitBuilder(HF);
    const x = builder.graph.createValue('x');
    builder.graph.inputs.push(x);
    builder.graph.outputs.push(
      builder.linearLayer('fc2', builder.gelu('act', builder.linearLayer('fc1', x, 8, 16)), 16, 8),
    );
    expect(findVitStructure(builder.graph)).toBeNull();
  });
});
