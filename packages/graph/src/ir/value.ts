import type { DataType } from './dtype.js';
import type { Graph } from './graph.js';
import type { Node } from './node.js';
import type { Tensor } from './tensor.js';

/** A dimension: a size, a symbolic name (dim_param), or unknown. */
export type Dim = number | string | null;

export interface TensorType {
  readonly kind: 'tensor';
  readonly elemType: DataType;
  /** Undefined when the rank is unknown. */
  readonly shape?: readonly Dim[];
  readonly denotation?: string;
  readonly dimDenotations?: readonly (string | undefined)[];
}

/** Sequence, map, optional, sparse and opaque types are carried as decoded protobuf, untouched. */
export interface OpaqueValueType {
  readonly kind: 'other';
  readonly proto: unknown;
}

export type ValueType = TensorType | OpaqueValueType;

/** A use of a value: input `index` of `node`. */
export interface Use {
  readonly node: Node;
  readonly index: number;
}

/**
 * A named value (an edge of the graph). It knows its producer and its uses; only Node and Graph
 * methods change those links, so they never go out of sync.
 */
export class Value {
  #name: string;
  type: ValueType | undefined;
  docString = '';
  metadataProps: Map<string, string> = new Map();
  /** Constant data when the value is an initializer of its graph. */
  initializer: Tensor | undefined;
  /** True when the model declared the value in value_info (kept on save). */
  declared = false;
  /** The graph whose scope defines the value. */
  readonly graph: Graph;
  /** @internal */ _producer: Node | undefined;
  /** @internal */ _uses: Use[] = [];

  /** @internal Use Graph.createValue / Graph.value. */
  constructor(graph: Graph, name: string) {
    this.graph = graph;
    this.#name = name;
  }

  get name(): string {
    return this.#name;
  }

  /** Renames the value everywhere; the new name must be free in the whole model. */
  rename(name: string): void {
    if (name === this.#name) return;
    this.graph._renameValue(this, name);
    this.#name = name;
    if (this.initializer !== undefined) this.initializer.name = name;
  }

  producer(): Node | undefined {
    return this._producer;
  }

  uses(): readonly Use[] {
    return this._uses;
  }

  get isGraphInput(): boolean {
    return this.graph.inputs.includes(this);
  }

  get isGraphOutput(): boolean {
    return this.graph.outputs.includes(this);
  }

  get isConstant(): boolean {
    return this.initializer !== undefined && !this.isGraphInput;
  }

  get tensorType(): TensorType | undefined {
    return this.type?.kind === 'tensor' ? this.type : undefined;
  }

  /** Points every use (and graph output slot) of this value at `other`. */
  replaceAllUsesWith(other: Value): void {
    for (const use of [...this._uses]) use.node.setInput(use.index, other);
    const outputs = this.graph.outputs;
    for (let i = 0; i < outputs.length; i++) if (outputs[i] === this) outputs[i] = other;
  }

  toString(): string {
    return `Value(${this.#name})`;
  }
}
