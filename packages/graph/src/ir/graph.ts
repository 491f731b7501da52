import { VitOptError } from '../errors.js';
import type { Attribute } from './attribute.js';
import { NameAuthority } from './names.js';
import { Node } from './node.js';
import type { Tensor } from './tensor.js';
import { Value } from './value.js';

export interface NodeSpec {
  opType: string;
  domain?: string;
  /** Base name; made unique. */
  name?: string;
  inputs?: readonly (Value | undefined)[];
  /** Base names of the outputs (made unique), or how many fresh outputs to create. */
  outputs?: readonly string[] | number;
  attributes?: readonly Attribute[];
}

export interface NodePosition {
  before?: Node;
  after?: Node;
}

/**
 * A graph and its scope of values. A subgraph (If/Loop/Scan body) has a parent and may use the
 * parent's values by name; lookups walk outwards.
 */
export class Graph {
  name: string;
  docString = '';
  metadataProps: Map<string, string> = new Map();
  inputs: Value[] = [];
  outputs: Value[] = [];
  /** Carried as decoded protobuf: vit-opt's passes do not rewrite them. */
  sparseInitializers: unknown[] = [];
  quantizationAnnotation: unknown[] = [];
  readonly parent: Graph | undefined;
  /** @internal */ readonly _valueNames: NameAuthority;
  /** @internal */ readonly _nodeNames: NameAuthority;
  #nodes: Node[] = [];
  readonly #values = new Map<string, Value>();
  readonly #initializers = new Set<Value>();

  constructor(options: { name?: string; parent?: Graph } = {}) {
    this.name = options.name ?? '';
    this.parent = options.parent;
    this._valueNames = options.parent?._valueNames ?? new NameAuthority();
    this._nodeNames = options.parent?._nodeNames ?? new NameAuthority();
  }

  get nodes(): readonly Node[] {
    return this.#nodes;
  }

  /** Values defined in this scope (not the parents'), in definition order. */
  get ownValues(): IterableIterator<Value> {
    return this.#values.values();
  }

  /** The values that hold this graph's initializers, in order. */
  get initializers(): readonly Value[] {
    return [...this.#initializers];
  }

  /** Finds a value by name in this scope or an enclosing one. */
  value(name: string): Value | undefined {
    return this.#values.get(name) ?? this.parent?.value(name);
  }

  /** A new value with a fresh name derived from `baseName`. */
  createValue(baseName = 'v'): Value {
    return this._defineValue(this._valueNames.fresh(baseName));
  }

  /** @internal Defines a value under an exact name (used by the importer). */
  _defineValue(name: string): Value {
    const existing = this.#values.get(name);
    if (existing !== undefined) return existing;
    this._valueNames.claim(name);
    const value = new Value(this, name);
    this.#values.set(name, value);
    return value;
  }

  /** @internal Called by Value.rename. */
  _renameValue(value: Value, name: string): void {
    if (this._valueNames.has(name)) {
      throw new VitOptError('INVALID_ARGUMENT', `a value named '${name}' already exists`, {
        subject: `graph '${this.name}'`,
      });
    }
    this.#values.delete(value.name);
    this._valueNames.release(value.name);
    this._valueNames.claim(name);
    this.#values.set(name, value);
  }

  /** Adds a constant under a fresh name derived from `baseName` (or the tensor's name). */
  addInitializer(tensor: Tensor, baseName?: string): Value {
    const value = this.createValue(baseName ?? (tensor.name || 'const'));
    this.setInitializer(value, tensor);
    return value;
  }

  /** Makes `value` an initializer holding `tensor` (replacing any previous data). */
  setInitializer(value: Value, tensor: Tensor): void {
    if (value.graph !== this) throw new Error(`${value} belongs to another graph`);
    tensor.name = value.name;
    value.initializer = tensor;
    this.#initializers.add(value);
  }

  /** Drops the constant data of `value`; removes the value too when nothing refers to it. */
  removeInitializer(value: Value): void {
    this.#initializers.delete(value);
    value.initializer = undefined;
    this.#dropIfDead(value);
  }

  /** Creates a node and inserts it (at the end, or before/after another node). */
  addNode(spec: NodeSpec, position: NodePosition = {}): Node {
    const node = new Node(spec.opType, spec.domain ?? '', this._nodeNames.fresh(spec.name ?? spec.opType));
    node._graph = this;
    for (const a of spec.attributes ?? []) node.setAttribute(a);
    (spec.inputs ?? []).forEach((v, i) => node.setInput(i, v));
    const outputs = spec.outputs ?? 1;
    const baseNames =
      typeof outputs === 'number'
        ? Array.from({ length: outputs }, (_, i) => `${node.name}_output_${i}`)
        : outputs;
    baseNames.forEach((base, i) => node._setOutput(i, this.createValue(base)));
    this.#insert(node, position);
    return node;
  }

  /** @internal Adopts a node built by the importer (names already claimed). */
  _appendImportedNode(node: Node): void {
    node._graph = this;
    this._nodeNames.claim(node.name);
    this.#nodes.push(node);
  }

  #insert(node: Node, position: NodePosition): void {
    if (position.before !== undefined) {
      this.#nodes.splice(this.#indexOf(position.before), 0, node);
    } else if (position.after !== undefined) {
      this.#nodes.splice(this.#indexOf(position.after) + 1, 0, node);
    } else {
      this.#nodes.push(node);
    }
  }

  #indexOf(node: Node): number {
    const index = this.#nodes.indexOf(node);
    if (index < 0) throw new Error(`${node} is not in graph '${this.name}'`);
    return index;
  }

  /**
   * Removes a node. Its outputs must be unused (rewire their uses first, e.g. with
   * replaceAllUsesWith); the graph is left untouched if they are not. With `keepOutputs`, the
   * outputs stay as values that nothing produces, for the caller to give constant data.
   */
  removeNode(node: Node, options: { keepOutputs?: boolean } = {}): void {
    const index = this.#indexOf(node);
    for (const out of node.outputs) {
      if (out === undefined || options.keepOutputs) continue;
      if (out.uses().length > 0 || out.isGraphOutput) {
        throw new VitOptError(
          'INVALID_GRAPH',
          `cannot remove it: its output '${out.name}' is still used`,
          { subject: node.describe() },
        );
      }
    }
    this.#nodes.splice(index, 1);
    node._detachInputs();
    // A removed If/Loop body no longer uses the values it captured from outside.
    for (const sub of node.subgraphs()) for (const inner of sub.allNodes()) inner._detachInputs();
    node.outputs.forEach((out, i) => {
      node._setOutput(i, undefined);
      if (out !== undefined && !options.keepOutputs) this.#dropIfDead(out);
    });
    node._graph = undefined;
    this._nodeNames.release(node.name);
  }

  /** Forgets a value nothing produces, uses, declares or holds data for. */
  #dropIfDead(value: Value): void {
    if (
      value.producer() === undefined &&
      value.uses().length === 0 &&
      value.initializer === undefined &&
      !value.isGraphInput &&
      !value.isGraphOutput &&
      value.graph === this
    ) {
      this.#values.delete(value.name);
      this._valueNames.release(value.name);
    }
  }

  /** Forgets values that nothing produces, uses or declares any more. */
  pruneDeadValues(): number {
    let removed = 0;
    for (const value of [...this.#values.values()]) {
      const before = this.#values.size;
      if (!value.declared) this.#dropIfDead(value);
      removed += before - this.#values.size;
    }
    return removed;
  }

  /** Every node of this graph and, depth first, of its subgraphs. */
  *allNodes(): Generator<Node> {
    for (const node of this.#nodes) {
      yield node;
      for (const sub of node.subgraphs()) yield* sub.allNodes();
    }
  }

  /** This graph and all nested subgraphs. */
  *allGraphs(): Generator<Graph> {
    yield this;
    for (const node of this.#nodes) for (const sub of node.subgraphs()) yield* sub.allGraphs();
  }

  /**
   * Stable topological sort: nodes keep their relative order unless a dependency forces a move.
   * Values a node's subgraphs capture from this scope count as its inputs.
   */
  toposort(): void {
    const nodes = this.#nodes;
    const indexOf = new Map(nodes.map((n, i) => [n, i]));
    const dependents: number[][] = nodes.map(() => []);
    const pending = new Int32Array(nodes.length);
    nodes.forEach((node, i) => {
      const producers = new Set<number>();
      for (const v of dependencyValues(node)) {
        const p = v.producer();
        const j = p === undefined ? undefined : indexOf.get(p);
        if (j !== undefined && j !== i) producers.add(j);
        if (j === i) throw cycleError(this, node);
      }
      pending[i] = producers.size;
      for (const j of producers) dependents[j]!.push(i);
    });
    // A min-heap on original position keeps the order stable.
    const ready = new MinHeap();
    pending.forEach((count, i) => count === 0 && ready.push(i));
    const sorted: Node[] = [];
    while (ready.size > 0) {
      const i = ready.pop();
      sorted.push(nodes[i]!);
      for (const d of dependents[i]!) if (--pending[d]! === 0) ready.push(d);
    }
    if (sorted.length !== nodes.length) {
      const stuck = nodes.find((_, i) => pending[i]! > 0)!;
      throw cycleError(this, stuck);
    }
    this.#nodes = sorted;
    for (const node of sorted) for (const sub of node.subgraphs()) sub.toposort();
  }

  toString(): string {
    return `Graph(${this.name}, ${this.#nodes.length} nodes)`;
  }
}

/** The values a node depends on: its inputs and whatever its subgraphs capture from outside. */
export function dependencyValues(node: Node): Set<Value> {
  const values = new Set<Value>();
  for (const v of node.inputs) if (v !== undefined) values.add(v);
  for (const sub of node.subgraphs()) for (const v of capturedValues(sub)) values.add(v);
  return values;
}

/** Values used inside `graph` (or deeper) that are defined outside it. */
export function capturedValues(graph: Graph): Set<Value> {
  const captured = new Set<Value>();
  const inside = new Set<Graph>(graph.allGraphs());
  for (const node of graph.allNodes()) {
    for (const v of node.inputs) if (v !== undefined && !inside.has(v.graph)) captured.add(v);
  }
  for (const g of inside) for (const v of g.outputs) if (!inside.has(v.graph)) captured.add(v);
  return captured;
}

function cycleError(graph: Graph, node: Node): VitOptError {
  return new VitOptError('INVALID_GRAPH', `the graph has a cycle through ${node.describe()}`, {
    subject: `graph '${graph.name}'`,
  });
}

class MinHeap {
  readonly #items: number[] = [];

  get size(): number {
    return this.#items.length;
  }

  push(item: number): void {
    const a = this.#items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (a[parent]! <= item) break;
      a[i] = a[parent]!;
      i = parent;
    }
    a[i] = item;
  }

  pop(): number {
    const a = this.#items;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= a.length) break;
        const r = l + 1;
        const c = r < a.length && a[r]! < a[l]! ? r : l;
        if (a[c]! >= last) break;
        a[i] = a[c]!;
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}
