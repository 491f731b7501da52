import { VitOptError } from '../errors.js';
import { AttributeKind, decodeText, type Attribute, type Int } from './attribute.js';
import type { Graph } from './graph.js';
import type { Tensor } from './tensor.js';
import type { Value } from './value.js';

/**
 * An operator application. Inputs are values (undefined for an omitted optional input); outputs
 * are values this node produces (undefined for an omitted optional output).
 */
export class Node {
  opType: string;
  /** '' is the default ONNX domain (ai.onnx). */
  domain: string;
  name: string;
  overload = '';
  docString = '';
  metadataProps: Map<string, string> = new Map();
  /** Multi-device annotations (IR 11), carried as decoded protobuf. */
  deviceConfigurations: unknown[] = [];
  readonly attributes: Map<string, Attribute> = new Map();
  /** @internal */ _graph: Graph | undefined;
  #inputs: (Value | undefined)[] = [];
  #outputs: (Value | undefined)[] = [];

  /** @internal Use Graph.addNode. */
  constructor(opType: string, domain: string, name: string) {
    this.opType = opType;
    this.domain = domain;
    this.name = name;
  }

  get graph(): Graph {
    if (this._graph === undefined) throw new Error(`node '${this.name}' is not in a graph`);
    return this._graph;
  }

  get inputs(): readonly (Value | undefined)[] {
    return this.#inputs;
  }

  get outputs(): readonly (Value | undefined)[] {
    return this.#outputs;
  }

  /** The input at `index`, which must be present. */
  input(index: number): Value {
    const value = this.#inputs[index];
    if (value === undefined) {
      throw new VitOptError('INVALID_GRAPH', `input ${index} is missing`, {
        subject: this.describe(),
      });
    }
    return value;
  }

  /** The output at `index`, which must be present. */
  output(index = 0): Value {
    const value = this.#outputs[index];
    if (value === undefined) {
      throw new VitOptError('INVALID_GRAPH', `output ${index} is missing`, {
        subject: this.describe(),
      });
    }
    return value;
  }

  setInput(index: number, value: Value | undefined): void {
    const old = this.#inputs[index];
    if (old === value) return;
    if (old !== undefined) {
      const at = old._uses.findIndex((u) => u.node === this && u.index === index);
      if (at >= 0) old._uses.splice(at, 1);
    }
    while (this.#inputs.length <= index) this.#inputs.push(undefined);
    this.#inputs[index] = value;
    if (value !== undefined) value._uses.push({ node: this, index });
    this.#trimInputs();
  }

  setInputs(values: readonly (Value | undefined)[]): void {
    for (let i = this.#inputs.length - 1; i >= values.length; i--) this.setInput(i, undefined);
    values.forEach((v, i) => this.setInput(i, v));
  }

  /** Trailing omitted inputs are dropped, as ONNX allows. */
  #trimInputs(): void {
    while (this.#inputs.length > 0 && this.#inputs[this.#inputs.length - 1] === undefined) {
      this.#inputs.pop();
    }
  }

  /** @internal Graph sets outputs when it creates or adopts the node. */
  _setOutput(index: number, value: Value | undefined): void {
    const old = this.#outputs[index];
    if (old !== undefined && old._producer === this) old._producer = undefined;
    while (this.#outputs.length <= index) this.#outputs.push(undefined);
    this.#outputs[index] = value;
    if (value !== undefined) value._producer = this;
  }

  /** @internal Disconnects every input (used when the node is removed). */
  _detachInputs(): void {
    for (let i = this.#inputs.length - 1; i >= 0; i--) this.setInput(i, undefined);
  }

  // Attribute access. Missing attributes return the fallback; a wrong kind is an error.

  attribute(name: string): Attribute | undefined {
    return this.attributes.get(name);
  }

  setAttribute(attribute: Attribute): void {
    this.attributes.set(attribute.name, attribute);
  }

  int(name: string, fallback: number): number;
  int(name: string): number | undefined;
  int(name: string, fallback?: number): number | undefined {
    const a = this.#typed(name, AttributeKind.INT);
    return a === undefined ? fallback : Number(a.value as Int);
  }

  ints(name: string): number[] | undefined {
    const a = this.#typed(name, AttributeKind.INTS);
    return a === undefined ? undefined : (a.value as Int[]).map(Number);
  }

  float(name: string, fallback: number): number;
  float(name: string): number | undefined;
  float(name: string, fallback?: number): number | undefined {
    const a = this.#typed(name, AttributeKind.FLOAT);
    return a === undefined ? fallback : (a.value as number);
  }

  string(name: string, fallback: string): string;
  string(name: string): string | undefined;
  string(name: string, fallback?: string): string | undefined {
    const a = this.#typed(name, AttributeKind.STRING);
    return a === undefined ? fallback : decodeText(a.value as Uint8Array);
  }

  tensor(name: string): Tensor | undefined {
    return this.#typed(name, AttributeKind.TENSOR)?.value as Tensor | undefined;
  }

  /** Graph-valued attributes (If/Loop/Scan bodies). */
  subgraphs(): Graph[] {
    const graphs: Graph[] = [];
    for (const a of this.attributes.values()) {
      if (a.kind === AttributeKind.GRAPH) graphs.push(a.value);
      else if (a.kind === AttributeKind.GRAPHS) graphs.push(...a.value);
    }
    return graphs;
  }

  #typed(name: string, kind: AttributeKind): Attribute | undefined {
    const a = this.attributes.get(name);
    if (a === undefined) return undefined;
    if (a.kind !== kind) {
      throw new VitOptError(
        'INVALID_GRAPH',
        `attribute '${name}' is ${AttributeKind[a.kind]}, expected ${AttributeKind[kind]}`,
        { subject: this.describe() },
      );
    }
    return a;
  }

  /** "MatMul node 'name'" — for messages. */
  describe(): string {
    const domain = this.domain === '' ? '' : `${this.domain}.`;
    return `${domain}${this.opType} node '${this.name}'`;
  }

  toString(): string {
    return `Node(${this.opType} ${this.name})`;
  }
}
