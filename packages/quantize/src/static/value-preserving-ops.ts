import type { Node, Value } from '@vit-opt/graph';

/**
 * Ops that rearrange the elements of their first input without changing or dropping any: a
 * quantized tensor passes through them exactly, so their output shares the input's scale and zero
 * point. onnxruntime drops a DequantizeLinear → op → QuantizeLinear group around them when both
 * parameter sets are equal, and the op runs on the 8-bit data. Selections (Slice, Gather) are
 * left out on purpose: their output can have a much tighter range worth its own scale.
 */
const VALUE_PRESERVING_OPS = new Set(['Reshape', 'Transpose', 'Squeeze', 'Unsqueeze', 'Flatten']);

export function isValuePreserving(node: Node): boolean {
  return node.domain === '' && VALUE_PRESERVING_OPS.has(node.opType);
}

/** Where a tensor's values were computed: the first value up a chain of value-preserving ops. */
export interface ValueOrigin {
  readonly origin: Value;
  /** The outputs of the value-preserving ops between origin and the tensor, origin side first. */
  readonly rearranged: Value[];
}

/**
 * Walks from `value` up through value-preserving ops to the tensor that was computed. The walk
 * stops at a graph input, a constant, or a value that is also a graph output.
 */
export function valueOrigin(value: Value): ValueOrigin {
  const rearranged: Value[] = [];
  let current = value;
  for (;;) {
    const producer = current.producer();
    if (producer === undefined || !isValuePreserving(producer) || current.isGraphOutput) break;
    const input = producer.inputs[0];
    if (input === undefined || input.isConstant) break;
    rearranged.unshift(current);
    current = input;
  }
  return { origin: current, rearranged };
}
