import { attr, type Attribute } from '../ir/attribute.js';
import { DataType } from '../ir/dtype.js';
import type { Graph } from '../ir/graph.js';
import { Model } from '../ir/model.js';
import { Tensor } from '../ir/tensor.js';
import type { Value } from '../ir/value.js';

// A test-only builder of ViT graphs spelled the way exporters spell them: one option per way real
// exports differ. Exported as @vit-opt/graph/testing for the tests of packages that edit ViTs.

/** How a synthetic ViT is exported: each option is one way real exports differ. */
export interface ExportStyle {
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
  /**
   * torchvision: how the packed projection is cut into q, k and v. 'slice' and 'split' as
   * PyTorch 1.x exports chunk(3); 'unflatten-gather' as PyTorch 2.x exports
   * `_in_projection_packed`: Reshape to [L, N, 3, E] → Unsqueeze(0) → Transpose(0, -2) →
   * Squeeze(-2) → Gather 0, 1, 2.
   */
  qkvCut: 'slice' | 'split' | 'unflatten-gather';
  image: number | 'dynamic';
}

export interface VitShape {
  headsPerLayer: number[];
  headDim: number;
  hidden: number;
  mlp: number;
  classes: number;
  patch: number;
  channels: number;
}

export const TINY: VitShape = {
  headsPerLayer: [4, 4],
  headDim: 8,
  hidden: 32,
  mlp: 64,
  classes: 5,
  patch: 4,
  channels: 3,
};

export const HF: ExportStyle = {
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

export const TORCHVISION: ExportStyle = {
  ...HF,
  attention: 'torchvision',
  layerNorm: 'fused',
  headShape: 'constant',
};

/** Builds a ViT graph the way exporters spell it, with names that say what each node is. */
export class VitBuilder {
  readonly model = new Model({ opsetImports: new Map([['', 17]]) });
  readonly #style: ExportStyle;
  /** For 'tied' constants: the first value holding each distinct tensor, by dtype, dims and bytes. */
  readonly #stored = new Map<string, Value>();

  readonly #random: (() => number) | undefined;

  /** `seed`: weights drawn from a seeded uniform(−0.5, 0.5) instead of sin(i). */
  constructor(style: ExportStyle, options: { seed?: number } = {}) {
    this.#style = style;
    this.#random = options.seed === undefined ? undefined : seededRandom(options.seed);
  }

  get graph(): Graph {
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
    const dims = (axis: number): Value =>
      this.op('Gather', `${name}.dim${axis}`, [
        this.op('Shape', `${name}.shape${axis}`, [seqFirst]),
        this.ints([axis], []),
      ]);
    const unsqueeze = (v: Value, tag: string): Value =>
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
    const heads3d = (t: Value, role: string, perm: number[]): Value =>
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
    if (this.#style.qkvCut === 'unflatten-gather') return this.unflattenGather(name, packed, width);
    const slice = (i: number): Value =>
      this.op('Slice', `${name}.qkv_slice${i}`, [
        packed,
        this.ints([i * width]),
        this.ints([(i + 1) * width]),
        this.ints([-1]),
      ]);
    return [slice(0), slice(1), slice(2)];
  }

  /** proj.unflatten(-1, (3, E)).unsqueeze(0).transpose(0, -2).squeeze(-2); proj[0], proj[1], proj[2]. */
  unflattenGather(name: string, packed: Value, width: number): [Value, Value, Value] {
    const dim = (axis: number): Value =>
      this.op('Unsqueeze', `${name}.qkv_unsqueeze${axis}`, [
        this.op('Gather', `${name}.qkv_dim${axis}`, [
          this.op('Shape', `${name}.qkv_shape${axis}`, [packed]),
          this.ints([axis], []),
        ]),
        this.ints([0]),
      ]);
    const unflattenShape = this.op(
      'Concat',
      `${name}.qkv_unflatten_shape`,
      [dim(0), dim(1), this.ints([3, width])],
      [attr.int('axis', 0)],
    );
    const unflat = this.op('Reshape', `${name}.qkv_unflatten`, [packed, unflattenShape]);
    const lifted = this.op('Unsqueeze', `${name}.qkv_lift`, [unflat, this.ints([0])]);
    const swapped = this.op(
      'Transpose',
      `${name}.qkv_swap`,
      [lifted],
      [attr.ints('perm', [3, 1, 2, 0, 4])],
    );
    const parts = this.op('Squeeze', `${name}.qkv_squeeze`, [swapped, this.ints([3])]);
    const part = (i: number): Value =>
      this.op(
        'Gather',
        `${name}.qkv_gather${i}`,
        [parts, this.ints([i], [])],
        [attr.int('axis', 0)],
      );
    return [part(0), part(1), part(2)];
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
    const scalar = (v: number): Value => this.floats([], undefined, [v]);
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
    const random = this.#random;
    const data =
      values ??
      Array.from({ length: count }, (_, i) =>
        random === undefined ? Math.sin(i) : random() - 0.5,
      );
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

/** A ViT of `shape` exported in `style` (weights sin(i), or seeded random with `seed`). */
export function buildVit(
  style: ExportStyle,
  shape: VitShape = TINY,
  options: { seed?: number } = {},
): Model {
  return new VitBuilder(style, options).build(shape);
}

/** mulberry32: a small, fast, seedable generator; tests need repeatable weights, not quality. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
