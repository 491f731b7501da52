import { DataType, constantNodeTensor, type Graph, type Node, type Value } from '@vit-opt/graph';

const INT64_RESULT = new Set(['Shape', 'Size', 'NonZero', 'ArgMax', 'ArgMin']);
const BOOL_RESULT = new Set([
  'Equal',
  'Less',
  'LessOrEqual',
  'Greater',
  'GreaterOrEqual',
  'Not',
  'And',
  'Or',
  'Xor',
  'IsNaN',
  'IsInf',
]);

/**
 * The element type of every value of `graph` that can be told without full shape inference:
 * declared types, initializers, and per-op rules (Cast's `to`, Shape → int64, comparisons →
 * bool, …); other ops give their outputs the type of their first typed input, which holds for
 * the arithmetic, shape-moving and normalization ops of vision transformers. Exports rarely
 * declare intermediate types, and a pass that changes float types must know which values are
 * float: shape arithmetic on int64 must not be touched. Values it cannot tell are left out.
 */
export function inferElementTypes(graph: Graph): Map<Value, DataType> {
  const types = new Map<Value, DataType>();
  const declared = (value: Value | undefined): DataType | undefined => {
    if (value === undefined) return undefined;
    return value.tensorType?.elemType ?? value.initializer?.dtype ?? types.get(value);
  };
  for (const value of graph.inputs) {
    const type = declared(value);
    if (type !== undefined) types.set(value, type);
  }
  for (const value of graph.initializers) types.set(value, value.initializer!.dtype);
  for (const node of graph.nodes) {
    const outputs = outputTypes(node, declared);
    node.outputs.forEach((value, i) => {
      if (value === undefined) return;
      const type = value.tensorType?.elemType ?? outputs[i];
      if (type !== undefined && type !== DataType.UNDEFINED) types.set(value, type);
    });
  }
  return types;
}

function outputTypes(
  node: Node,
  typeOf: (value: Value | undefined) => DataType | undefined,
): (DataType | undefined)[] {
  const input = (i: number): DataType | undefined => typeOf(node.inputs[i]);
  const firstTyped = node.inputs.map((v) => typeOf(v)).find((t) => t !== undefined);
  if (node.domain !== '' && node.domain !== 'ai.onnx') return node.outputs.map(() => firstTyped);
  switch (node.opType) {
    case 'Cast':
      return [node.int('to')];
    case 'CastLike':
      return [input(1)];
    case 'Constant':
      return [constantNodeTensor(node)?.dtype];
    case 'ConstantOfShape':
      return [node.tensor('value')?.dtype ?? DataType.FLOAT];
    case 'Where':
      return [input(1) ?? input(2)];
    case 'RandomNormal':
    case 'RandomUniform':
      return [node.int('dtype', DataType.FLOAT)];
    case 'RandomNormalLike':
    case 'RandomUniformLike':
    case 'EyeLike':
      return [node.int('dtype') ?? input(0)];
    case 'OneHot':
      return [input(2)];
    case 'TopK':
    case 'MaxPool':
      return [input(0), DataType.INT64];
    case 'Unique':
      return [input(0), DataType.INT64, DataType.INT64, DataType.INT64];
    case 'Dropout':
      return [input(0), DataType.BOOL];
    // The quantization ops: the zero point's type is the 8-bit tensor's (uint8 without one).
    case 'QuantizeLinear':
      return [input(2) ?? DataType.UINT8];
    case 'DequantizeLinear':
      return [input(1)];
    case 'DynamicQuantizeLinear':
      return [DataType.UINT8, DataType.FLOAT, DataType.UINT8];
    case 'MatMulInteger':
    case 'ConvInteger':
      return [DataType.INT32];
    case 'QLinearMatMul':
    case 'QLinearConv':
      return [input(7)];
    case 'LayerNormalization':
      // Mean and inverse standard deviation are of stash_type, float32 by default.
      return [
        input(0),
        node.int('stash_type', DataType.FLOAT),
        node.int('stash_type', DataType.FLOAT),
      ];
    default:
      if (INT64_RESULT.has(node.opType)) return node.outputs.map(() => DataType.INT64);
      if (BOOL_RESULT.has(node.opType)) return node.outputs.map(() => DataType.BOOL);
      return node.outputs.map(() => firstTyped);
  }
}
