import { AttributeKind } from '../ir/attribute.js';
import { DataType } from '../ir/dtype.js';
import type { Model } from '../ir/model.js';
import type { Node } from '../ir/node.js';
import { Tensor } from '../ir/tensor.js';
import { replaceNodeWithConstants } from './constants.js';
import { changed, definePass } from './pass.js';

/**
 * Constant nodes become initializers: exporters emit both forms, and every later pass then has
 * one place to look for constant data.
 */
export const constantsToInitializers = definePass('constants-to-initializers', (model: Model) => {
  let count = 0;
  for (const graph of [...model.graph.allGraphs()]) {
    for (const node of [...graph.nodes]) {
      if (node.opType !== 'Constant' || node.domain !== '') continue;
      const out = node.outputs[0];
      if (out === undefined || out.isGraphOutput) continue;
      const tensor = constantNodeTensor(node);
      if (tensor === undefined) continue;
      replaceNodeWithConstants(node, [tensor]);
      count += 1;
    }
  }
  return changed(count, (n) => `turned ${n} Constant nodes into initializers`);
});

/** The value a Constant node holds; undefined for forms we leave alone (sparse_value). */
export function constantNodeTensor(node: Node): Tensor | undefined {
  const [attribute] = node.attributes.values();
  if (attribute === undefined || node.attributes.size !== 1) return undefined;
  const name = node.outputs[0]?.name ?? '';
  switch (attribute.name) {
    case 'value':
      return attribute.kind === AttributeKind.TENSOR ? attribute.value : undefined;
    case 'value_float':
      return Tensor.fromNumbers({ name, dtype: DataType.FLOAT, dims: [] }, [node.float('value_float', 0)]);
    case 'value_floats': {
      const values = attribute.kind === AttributeKind.FLOATS ? attribute.value : [];
      return Tensor.fromNumbers({ name, dtype: DataType.FLOAT, dims: [values.length] }, values);
    }
    case 'value_int':
      return attribute.kind === AttributeKind.INT
        ? Tensor.fromNumbers({ name, dtype: DataType.INT64, dims: [] }, [BigInt(attribute.value)])
        : undefined;
    case 'value_ints': {
      const values = attribute.kind === AttributeKind.INTS ? attribute.value : [];
      return Tensor.fromNumbers({ name, dtype: DataType.INT64, dims: [values.length] }, values.map(BigInt));
    }
    case 'value_string':
      return attribute.kind === AttributeKind.STRING
        ? Tensor.fromStrings({ name, dims: [] }, [attribute.value])
        : undefined;
    case 'value_strings':
      return attribute.kind === AttributeKind.STRINGS
        ? Tensor.fromStrings({ name, dims: [attribute.value.length] }, attribute.value)
        : undefined;
    default:
      return undefined;
  }
}
