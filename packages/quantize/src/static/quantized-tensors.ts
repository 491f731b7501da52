import { DataType, type Graph, type Node, type Value } from '@vit-opt/graph';
import { addTensor } from '../graph/rewrite.js';
import type { ActivationParams } from './activation-params.js';
import { isValuePreserving } from './value-preserving-ops.js';

/** Ops that read only their input's shape: they take the 8-bit tensor, no DequantizeLinear needed. */
const SHAPE_READERS = new Set(['Shape', 'Size']);

/** Where a kernel takes an 8-bit tensor, its scale and its zero point. */
export interface QuantizedInput {
  readonly input: number;
  readonly scale: number;
  readonly zeroPoint: number;
}

interface Origin {
  readonly params: ActivationParams;
  readonly scale: Value;
  readonly zeroPoint: Value;
}

/**
 * The quantized activations of a graph being rewritten: the tensors that get their own scale
 * ("origins", each with its scale and zero point initializers), the rearranged copies that share
 * an origin's, and the nodes that read them as integers. Once the nodes are rewritten,
 * insertQuantizeDequantize writes the QuantizeLinear/DequantizeLinear nodes.
 */
export class QuantizedTensors {
  readonly #graph: Graph;
  readonly #origins = new Map<Value, Origin>();
  readonly #sharing = new Map<Value, Value>();
  readonly #integerInputs = new Map<Node, Set<number>>();
  /** Kernels that take an 8-bit input with its scale and zero point as inputs of their own. */
  readonly #quantizedReaders = new Map<Node, QuantizedInput>();
  /** Activation MatMuls whose first input is dequantized with its scale times this factor. */
  readonly #scaledFirstInputs = new Map<Node, number>();

  constructor(graph: Graph, params: ReadonlyMap<Value, ActivationParams>, sharing: ReadonlyMap<Value, Value>) {
    this.#graph = graph;
    for (const [value, p] of params) {
      const scale = addTensor(graph, `${value.name}_scale`, DataType.FLOAT, [], Float32Array.of(p.scale));
      const zeroPoint =
        p.elementType === 'uint8'
          ? addTensor(graph, `${value.name}_zero_point`, DataType.UINT8, [], Uint8Array.of(p.zeroPoint))
          : addTensor(graph, `${value.name}_zero_point`, DataType.INT8, [], Int8Array.of(p.zeroPoint));
      this.#origins.set(value, { params: p, scale, zeroPoint });
    }
    for (const [value, origin] of sharing) this.#sharing.set(value, origin);
  }

  originOf(value: Value): Value {
    return this.#sharing.get(value) ?? value;
  }

  /** The parameters `value` is quantized with (its origin's). */
  paramsOf(value: Value): ActivationParams {
    return this.#origins.get(this.originOf(value))!.params;
  }

  /** A new rearranged copy (a Flatten the rewrite added) of a quantized tensor. */
  shareScale(copy: Value, of: Value): void {
    this.#sharing.set(copy, this.originOf(of));
  }

  /** The node becomes an integer kernel reading these inputs quantized. */
  readAsIntegers(node: Node, inputs: readonly number[]): void {
    this.#integerInputs.set(node, new Set(inputs));
  }

  /** The node reads the 8-bit tensor at `input`, its scale and zero point at the inputs given (QAttention). */
  readQuantized(node: Node, input: QuantizedInput): void {
    this.#quantizedReaders.set(node, input);
  }

  /** The MatMul's first input is dequantized with its scale × factor (a folded output scaling). */
  scaleFirstInput(matmul: Node, factor: number): void {
    this.#scaledFirstInputs.set(matmul, factor);
  }

  /**
   * The node that now computes what `old` held takes over its quantization: `integer` (the
   * kernel's output) gets the parameters, and `replaced` (which carries old's name now, after a
   * Reshape or a float bias Add) shares them when it is only a rearrangement.
   */
  handOver(old: Value, integer: Value, replaced: Value): void {
    const origin = this.#origins.get(old);
    if (origin === undefined) return;
    this.#origins.delete(old);
    this.#origins.set(integer, origin);
    if (replaced !== integer) {
      const producer = replaced.producer();
      if (producer !== undefined && isValuePreserving(producer)) this.#sharing.set(replaced, integer);
      else this.#origins.set(replaced, origin);
    }
    for (const [value, shared] of this.#sharing) if (shared === old) this.#sharing.set(value, integer);
  }

  /** Writes the QuantizeLinear/DequantizeLinear nodes of every quantized tensor, in graph order. */
  insertQuantizeDequantize(): void {
    const wanted = new Set<Value>([...this.#origins.keys(), ...this.#sharing.keys()]);
    const ordered = this.#graph.inputs.filter((value) => wanted.has(value));
    for (const node of this.#graph.nodes) for (const output of node.outputs) if (output !== undefined && wanted.has(output)) ordered.push(output);
    for (const value of ordered) this.#quantize(value);
  }

  /**
   * An origin gets one QuantizeLinear after it. A rearranged copy needs none: its Reshape or
   * Transpose already reads the 8-bit tensor (rewired when its input was quantized), so its output
   * is 8-bit too. That is what onnxruntime would make of a DQ → Reshape → Q sandwich anyway, and
   * it keeps Shape and Reshape reading the same tensor, which onnxruntime's Reshape fusion needs.
   *
   * Consumers: Shape and the rearranging ops that share the scale read the 8-bit tensor; each
   * integer kernel reads its own DequantizeLinear, as onnxruntime's node-group fusion wants. Float
   * consumers keep the float tensor when a float op computed it; otherwise (an integer kernel's
   * output, or an 8-bit copy) they read one shared DequantizeLinear, so the kernel's output feeds
   * only the QuantizeLinear it fuses with.
   */
  #quantize(value: Value): void {
    const graph = this.#graph;
    const originValue = this.originOf(value);
    const origin = this.#origins.get(originValue)!;
    const producer = value.producer();
    const rearranged = value !== originValue;
    let quantized = value;
    if (rearranged) {
      value.type = undefined;
    } else {
      quantized = graph.addNode(
        {
          opType: 'QuantizeLinear',
          name: `${value.name}_QuantizeLinear`,
          inputs: [value, origin.scale, origin.zeroPoint],
          outputs: [`${value.name}_quantized`],
        },
        producer === undefined ? { before: graph.nodes[0] } : { after: producer },
      ).output(0);
    }
    const dequantize = (before: Node, scale = origin.scale): Value =>
      graph.addNode(
        {
          opType: 'DequantizeLinear',
          name: `${value.name}_DequantizeLinear`,
          inputs: [quantized, scale, origin.zeroPoint],
          outputs: [`${value.name}_dequantized`],
        },
        { before },
      ).output(0);
    const floatConsumersDequantize = rearranged || (producer !== undefined && this.#integerInputs.has(producer));
    let sharedFloat: Value | undefined;
    for (const use of [...value.uses()]) {
      const consumer = use.node;
      if (consumer === quantized.producer()) continue;
      const reader = this.#quantizedReaders.get(consumer);
      if (reader?.input === use.index) {
        consumer.setInput(reader.input, quantized);
        consumer.setInput(reader.scale, origin.scale);
        consumer.setInput(reader.zeroPoint, origin.zeroPoint);
      } else if ((SHAPE_READERS.has(consumer.opType) && consumer.domain === '') || this.#sharesScale(consumer, originValue)) {
        consumer.setInput(use.index, quantized);
      } else if (this.#integerInputs.get(consumer)?.has(use.index)) {
        const factor = use.index === 0 ? this.#scaledFirstInputs.get(consumer) : undefined;
        consumer.setInput(use.index, dequantize(consumer, factor === undefined ? origin.scale : this.#scaledScale(value, origin, factor)));
      } else if (floatConsumersDequantize) {
        sharedFloat ??= dequantize(consumer);
        consumer.setInput(use.index, sharedFloat);
      }
    }
  }

  #scaledScale(value: Value, origin: Origin, factor: number): Value {
    return addTensor(this.#graph, `${value.name}_scale_folded`, DataType.FLOAT, [], Float32Array.of(Math.fround(origin.params.scale * factor)));
  }

  #sharesScale(consumer: Node, origin: Value): boolean {
    const output = consumer.outputs[0];
    return isValuePreserving(consumer) && output !== undefined && this.#sharing.get(output) === origin;
  }
}
