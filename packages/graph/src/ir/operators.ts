import { ONNX_OPERATOR_TABLE, OPERATOR_TABLE_OPSETS } from './onnx-operators.js';

interface OperatorInfo {
  /** The opset that introduced the operator. */
  readonly since: number;
  /** Attribute names any version takes; undefined when not known (newer than the table). */
  readonly attributes?: ReadonlySet<string>;
}

/**
 * ai.onnx operators newer than the generated table (onnx 1.12, opset 17), by the opset that
 * introduced them. Only used to say "needs opset N": a model that imports a newer opset than
 * the table knows is never refused for an operator the table does not list.
 */
const NEWER_OPERATORS: ReadonlyArray<readonly [string, number]> = [
  ['BitwiseAnd', 18],
  ['BitwiseNot', 18],
  ['BitwiseOr', 18],
  ['BitwiseXor', 18],
  ['CenterCropPad', 18],
  ['Col2Im', 18],
  ['GroupNormalization', 18],
  ['Mish', 18],
  ['DeformConv', 19],
  ['AffineGrid', 20],
  ['Gelu', 20],
  ['ImageDecoder', 20],
  ['RegexFullMatch', 20],
  ['StringConcat', 20],
  ['StringSplit', 20],
  ['Attention', 23],
  ['RMSNormalization', 23],
  ['RotaryEmbedding', 23],
  ['Swish', 24],
  ['TensorScatter', 24],
];

/**
 * Operators onnxruntime registers in the ai.onnx domain itself, from opset 1: the models its
 * optimizer writes out use them at any opset, and it loads them.
 */
const ONNXRUNTIME_ONNX_DOMAIN_OPERATORS: ReadonlyArray<readonly [string, string]> = [
  ['LayerNormalization', 'axis,epsilon,stash_type'],
  ['SimplifiedLayerNormalization', 'axis,epsilon,stash_type'],
];

let operators: Map<string, OperatorInfo> | undefined;

function operatorInfo(domain: string, opType: string): OperatorInfo | undefined {
  if (operators === undefined) {
    operators = new Map();
    for (const [name, since] of NEWER_OPERATORS) operators.set(`ai.onnx:${name}`, { since });
    for (const [tableDomain, name, since, attributes] of ONNX_OPERATOR_TABLE) {
      const names = attributes === '' ? [] : attributes.split(',');
      operators.set(`${tableDomain}:${name}`, { since, attributes: new Set(names) });
    }
    for (const [name, attributes] of ONNXRUNTIME_ONNX_DOMAIN_OPERATORS) {
      operators.set(`ai.onnx:${name}`, { since: 1, attributes: new Set(attributes.split(',')) });
    }
  }
  return operators.get(`${domain}:${opType}`);
}

/**
 * What is wrong with a node of an ONNX domain (ai.onnx, ai.onnx.ml) that onnxruntime would refuse:
 * an operator the domain does not have at the imported opset, or an attribute the operator never
 * takes. Undefined when nothing is, or when the domain or opset is beyond what is known here
 * (other domains' operators are their runtimes' business).
 */
export function operatorProblem(
  domain: string,
  opType: string,
  opset: number,
  attributeNames: Iterable<string>,
): string | undefined {
  const key = domain === '' ? 'ai.onnx' : domain;
  const known = OPERATOR_TABLE_OPSETS.get(key);
  if (known === undefined) return undefined;
  const info = operatorInfo(key, opType);
  if (info === undefined) {
    return opset <= known ? `${key} has no operator '${opType}' (at opset ${opset})` : undefined;
  }
  if (info.since > opset) {
    return `${opType} is an ${key} operator from opset ${info.since}; the model imports opset ${opset}`;
  }
  if (opset > known || info.attributes === undefined) return undefined;
  for (const name of attributeNames) {
    if (!info.attributes.has(name)) return `${opType} takes no attribute '${name}'`;
  }
  return undefined;
}
