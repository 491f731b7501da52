import {
  AttributeKind,
  DataType,
  Tensor,
  VitOptError,
  attr,
  cleanup,
  constantNodeTensor,
  type Graph,
  type Model,
  type Node,
  type Pass,
  type Value,
} from '@vit-opt/graph';
import { inferElementTypes } from '../graph/element-types.js';
import { initializerBytes } from '../graph/rewrite.js';
import { assertNotQuantized } from '../model-checks.js';
import {
  normalizeFloat16Options,
  settingsForRecipe,
  type Float16Options,
  type Float16Settings,
} from '../options/mode-options.js';
import { makeRecipe, writeRecipe } from '../recipe.js';
import { defineModePass } from './mode-pass.js';
import { convertToFloat16 } from '../weights/float16.js';
import { Float32Reader } from '../weights/float32-data.js';

export interface Float32Node {
  readonly name: string;
  readonly opType: string;
}

export interface Float16Report {
  /** float32 constants (initializers and Constant nodes) stored as float16 now. */
  readonly convertedConstants: number;
  /** Values clamped to ±maxFiniteValue or ±minPositiveValue while converting constants. */
  readonly clampedValues: number;
  /** Nodes kept in float32 (the block lists), with Casts around them. */
  readonly float32Nodes: Float32Node[];
  readonly castsInserted: number;
  readonly sizeBytesBefore: number;
  readonly sizeBytesAfter: number;
}

/**
 * Inputs that an op takes as float32 whatever its data type: Resize's and Upsample's scales.
 * They stay float32 even when the op runs in float16.
 */
const FLOAT32_ONLY_INPUTS: Readonly<Record<string, readonly number[]>> = {
  Resize: [2],
  Upsample: [1],
};

/** Inputs whose element type an op never looks at: no Cast is needed in front of them. */
const TYPE_BLIND_INPUTS: Readonly<Record<string, readonly number[]>> = { Shape: [0], Size: [0] };

/** Ops that create float data from a `dtype` attribute rather than from an input. */
const DTYPE_ATTRIBUTE_OPS = new Set([
  'RandomNormal',
  'RandomUniform',
  'RandomNormalLike',
  'RandomUniformLike',
  'EyeLike',
]);

/**
 * Converts a model to float16: float32 constants become float16 (clamped so none turns into ±∞
 * or 0), float values and Casts to float become float16, and the ops of the block lists keep
 * running in float32 with Casts at their edges. By default the graph inputs and outputs stay
 * float32, converted by Casts just inside the graph, so callers feed and read what they did.
 */
export function convertFloat16(model: Model, options: Float16Options = {}): Float16Report {
  const settings = normalizeFloat16Options(options);
  assertNotQuantized(model, 'convert to float16');
  for (const node of model.graph.nodes) {
    if (node.subgraphs().length > 0) {
      throw new VitOptError(
        'UNSUPPORTED',
        `float16 conversion does not handle subgraphs (${node.describe()})`,
        {
          subject: 'model',
        },
      );
    }
  }
  const types = inferElementTypes(model.graph);
  const floatValues = new Set([...types].filter(([, t]) => t === DataType.FLOAT).map(([v]) => v));
  if (floatValues.size === 0) {
    throw new VitOptError(
      'INVALID_ARGUMENT',
      'nothing to convert: the model has no float32 values or constants',
      {
        subject: 'model',
      },
    );
  }
  const recipe = makeRecipe(model, 'fp16', settingsForRecipe(settings), settings.sourceSha256);
  const sizeBytesBefore = initializerBytes(model);
  const converter = new Float16Converter(model.graph, settings, floatValues);
  const report = converter.run();
  // Conversion is in place and orphans nothing itself; the sweep gives fp16 models the promise
  // every mode makes: no dead node or unused initializer (the source's own included) is saved.
  cleanup(model.graph);
  writeRecipe(model, recipe);
  return { ...report, sizeBytesBefore, sizeBytesAfter: initializerBytes(model) };
}

/** convertFloat16 as a pass for runPasses (options checked now). */
export function convertFloat16Pass(options: Float16Options = {}): Pass {
  normalizeFloat16Options(options);
  return defineModePass(
    'convert-float16',
    'fp16',
    (model) => convertFloat16(model, options),
    (report) =>
      `converted ${report.convertedConstants} constants to float16 (${report.clampedValues} values clamped), ` +
      `kept ${report.float32Nodes.length} nodes float32 with ${report.castsInserted} Casts`,
  );
}

class Float16Converter {
  readonly #graph: Graph;
  readonly #settings: Float16Settings;
  readonly #floatValues: ReadonlySet<Value>;
  /** Float values that hold float16 after conversion; the other float values stay float32. */
  readonly #halfValues = new Set<Value>();
  readonly #castsTo = {
    [DataType.FLOAT]: new Map<Value, Value>(),
    [DataType.FLOAT16]: new Map<Value, Value>(),
  };
  readonly #reader = new Float32Reader();
  #castsInserted = 0;
  #clampedValues = 0;
  #convertedConstants = 0;

  constructor(graph: Graph, settings: Float16Settings, floatValues: ReadonlySet<Value>) {
    this.#graph = graph;
    this.#settings = settings;
    this.#floatValues = floatValues;
  }

  run(): Omit<Float16Report, 'sizeBytesBefore' | 'sizeBytesAfter'> {
    const graph = this.#graph;
    const nodes = [...graph.nodes];
    const float32Nodes = nodes.filter((n) => this.#isBlocked(n));
    this.#chooseHalfValues();

    for (const value of graph.initializers) {
      if (this.#halfValues.has(value))
        graph.setInitializer(value, this.#toFloat16(value.initializer!));
    }
    for (const node of nodes) {
      if (!this.#isBlocked(node)) this.#convertAttributes(node);
      this.#insertInputCasts(node);
    }
    this.#fixGraphOutputs();
    for (const value of this.#halfValues) {
      const type = value.tensorType;
      if (type !== undefined) value.type = { ...type, elemType: DataType.FLOAT16 };
    }
    return {
      convertedConstants: this.#convertedConstants,
      clampedValues: this.#clampedValues,
      float32Nodes: float32Nodes.map((n) => ({ name: n.name, opType: n.opType })),
      castsInserted: this.#castsInserted,
    };
  }

  #isBlocked(node: Node): boolean {
    if (node.domain !== '' && node.domain !== 'ai.onnx' && node.domain !== 'com.microsoft')
      return true;
    return (
      this.#settings.opBlockList.includes(node.opType) ||
      this.#settings.nodeBlockList.some((p) => p.test(node.name))
    );
  }

  #needsFloat32(node: Node, inputIndex: number): boolean {
    return (
      this.#isBlocked(node) || (FLOAT32_ONLY_INPUTS[node.opType]?.includes(inputIndex) ?? false)
    );
  }

  /**
   * A float value becomes float16 unless it is a kept float32 graph input, an output of a
   * float32 node, or a constant that only float32 inputs read.
   */
  #chooseHalfValues(): void {
    const keptInputs = this.#settings.keepIoTypes ? new Set(this.#graph.inputs) : new Set<Value>();
    for (const value of this.#floatValues) {
      if (keptInputs.has(value)) continue;
      const producer = value.producer();
      if (producer !== undefined && this.#isBlocked(producer)) continue;
      const isConstant = value.initializer !== undefined || producer?.opType === 'Constant';
      if (
        isConstant &&
        value.uses().length > 0 &&
        value.uses().every((u) => this.#needsFloat32(u.node, u.index))
      )
        continue;
      this.#halfValues.add(value);
    }
  }

  #toFloat16(tensor: Tensor): Tensor {
    const { bits, clampedCount } = convertToFloat16(this.#reader.read(tensor), this.#settings);
    this.#clampedValues += clampedCount;
    this.#convertedConstants += 1;
    return Tensor.fromArray(
      { name: tensor.name, dtype: DataType.FLOAT16, dims: tensor.dims },
      bits,
    );
  }

  /** Casts to float, Constant data, ConstantOfShape's fill and `dtype` attributes follow the values. */
  #convertAttributes(node: Node): void {
    const output = node.outputs[0];
    if (output === undefined || !this.#halfValues.has(output)) return;
    if (node.opType === 'Cast' && node.int('to') === DataType.FLOAT) {
      node.setAttribute(attr.int('to', DataType.FLOAT16));
    } else if (node.opType === 'Constant') {
      const tensor = constantNodeTensor(node)!;
      node.attributes.clear();
      node.setAttribute(attr.tensor('value', this.#toFloat16(tensor)));
    } else if (node.opType === 'ConstantOfShape') {
      const fill =
        node.tensor('value') ??
        Tensor.fromArray({ dtype: DataType.FLOAT, dims: [1] }, new Float32Array(1));
      node.setAttribute(attr.tensor('value', this.#toFloat16(fill)));
    } else if (
      DTYPE_ATTRIBUTE_OPS.has(node.opType) &&
      node.attribute('dtype')?.kind === AttributeKind.INT
    ) {
      if (node.int('dtype') === DataType.FLOAT)
        node.setAttribute(attr.int('dtype', DataType.FLOAT16));
    }
  }

  /** Each input whose precision differs from what the node runs in is read through a Cast. */
  #insertInputCasts(node: Node): void {
    node.inputs.forEach((value, i) => {
      if (value === undefined || !this.#floatValues.has(value)) return;
      if (TYPE_BLIND_INPUTS[node.opType]?.includes(i) === true) return;
      const wanted = this.#needsFloat32(node, i) ? DataType.FLOAT : DataType.FLOAT16;
      const holds = this.#halfValues.has(value) ? DataType.FLOAT16 : DataType.FLOAT;
      if (wanted !== holds) node.setInput(i, this.#cast(value, wanted, node));
    });
  }

  /** One Cast per value and target type, placed before its first reader. */
  #cast(value: Value, to: DataType.FLOAT | DataType.FLOAT16, before: Node): Value {
    const existing = this.#castsTo[to].get(value);
    if (existing !== undefined) return existing;
    const suffix = to === DataType.FLOAT ? 'float32' : 'float16';
    const cast = this.#graph.addNode(
      {
        opType: 'Cast',
        name: `${value.name}_cast_${suffix}`,
        inputs: [value],
        outputs: [`${value.name}_${suffix}`],
        attributes: [attr.int('to', to)],
      },
      { before },
    );
    this.#castsInserted += 1;
    this.#castsTo[to].set(value, cast.output(0));
    return cast.output(0);
  }

  /**
   * Graph outputs keep their names. When an output's value has the wrong precision (float16
   * where float32 I/O is kept, or a float32 node's result where it is not), a Cast computes the
   * output under its name and the value it reads is renamed.
   */
  #fixGraphOutputs(): void {
    const graph = this.#graph;
    graph.outputs.forEach((value, slot) => {
      if (!this.#floatValues.has(value)) return;
      const wanted = this.#settings.keepIoTypes ? DataType.FLOAT : DataType.FLOAT16;
      const holds = this.#halfValues.has(value) ? DataType.FLOAT16 : DataType.FLOAT;
      if (wanted === holds || value.isGraphInput) return;
      const name = value.name;
      value.rename(
        unusedName(graph, `${name}_${holds === DataType.FLOAT16 ? 'float16' : 'float32'}`),
      );
      const cast = graph.addNode({
        opType: 'Cast',
        name: `${name}_cast`,
        inputs: [value],
        outputs: [name],
        attributes: [attr.int('to', wanted)],
      });
      this.#castsInserted += 1;
      const output = cast.output(0);
      output.type =
        value.type === undefined ? undefined : { ...value.tensorType!, elemType: wanted };
      output.declared = value.declared;
      value.declared = false;
      graph.outputs[slot] = output;
    });
  }
}

/** `base`, or `base_1`, `base_2`, … : the first name no value of the graph has. */
function unusedName(graph: Graph, base: string): string {
  let candidate = base;
  for (let n = 1; graph.value(candidate) !== undefined; n++) candidate = `${base}_${n}`;
  return candidate;
}
