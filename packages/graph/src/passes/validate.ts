import { VitOptError } from '../errors.js';
import { AttributeKind } from '../ir/attribute.js';
import { byteLengthOf, DataType, dataTypeName, elementCountOf } from '../ir/dtype.js';
import { dependencyValues, type Graph } from '../ir/graph.js';
import type { Model } from '../ir/model.js';
import type { Node } from '../ir/node.js';
import { operatorProblem } from '../ir/operators.js';
import type { Tensor } from '../ir/tensor.js';
import type { Value } from '../ir/value.js';

export interface ValidationIssue {
  /** The graph element the issue is about ("MatMul node 'x'", "graph 'main'"). */
  subject: string;
  message: string;
}

export interface ValidateOptions {
  /**
   * Require every node to come after the producers of its inputs, as ONNX does (default true).
   * With false an unsorted graph passes as long as it has no cycle: onnxruntime sorts it on load,
   * and so does Graph.toposort().
   */
  requireSorted?: boolean;
  /** Require node names to be unique (default true); onnxruntime refuses a model without. */
  requireUniqueNodeNames?: boolean;
  /**
   * Check ai.onnx and ai.onnx.ml nodes against ONNX's operator list: the operator exists at the
   * imported opset and takes each attribute given (default false: passes add only known ones).
   */
  knownOperators?: boolean;
}

/**
 * What a model read from outside is held to: what onnxruntime needs to wire the graph up and
 * find each node's operator, without sorted nodes, which onnxruntime does not insist on.
 */
export const LOAD_CHECKS: Readonly<ValidateOptions> = Object.freeze({
  requireSorted: false,
  requireUniqueNodeNames: true,
  knownOperators: true,
});

/**
 * Structural checks: every node input is defined (a graph input, an initializer, a node's output,
 * or a value of an enclosing scope for a subgraph), no cycle, each value produced once, graph
 * outputs produced, constant data as long as its dims and element type say, an opset imported for
 * every domain used; by default also sorted nodes and unique node names, which no pass may break.
 */
export function validateModel(model: Model, options: ValidateOptions = {}): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  checkOpsetImports(model, issues);
  const localDomains = new Set(
    (model.functions as Array<{ domain?: string }>).map((f) => f.domain ?? ''),
  );
  const nodeNames = new Set<string>();
  for (const graph of model.graph.allGraphs()) {
    checkGraph(graph, options.requireSorted ?? true, issues);
    for (const node of graph.nodes) {
      if (node.opType === '') issues.push({ subject: node.describe(), message: 'the node has no op_type' });
      if ((options.requireUniqueNodeNames ?? true) && node.name !== '') {
        if (nodeNames.has(node.name)) {
          issues.push({ subject: node.describe(), message: 'node name is used twice' });
        }
        nodeNames.add(node.name);
      }
      const domain = node.domain === 'ai.onnx' ? '' : node.domain;
      const opset = model.opset(domain);
      if (opset === undefined && !localDomains.has(node.domain)) {
        issues.push({
          subject: node.describe(),
          message: `no opset is imported for domain '${domain || 'ai.onnx'}'`,
        });
      } else if (options.knownOperators && opset !== undefined && !localDomains.has(node.domain)) {
        const problem = operatorProblem(domain, node.opType, opset, node.attributes.keys());
        if (problem !== undefined) issues.push({ subject: node.describe(), message: problem });
      }
      for (const attribute of node.attributes.values()) {
        const tensors =
          attribute.kind === AttributeKind.TENSOR
            ? [attribute.value]
            : attribute.kind === AttributeKind.TENSORS
              ? attribute.value
              : [];
        for (const tensor of tensors) {
          checkTensor(tensor, `attribute '${attribute.name}' of ${node.describe()}`, issues);
        }
      }
    }
  }
  return issues;
}

function checkOpsetImports(model: Model, issues: ValidationIssue[]): void {
  for (const [domain, version] of model.opsetImports) {
    if (!Number.isSafeInteger(version) || version < 1) {
      issues.push({
        subject: `opset import '${domain || 'ai.onnx'}'`,
        message: `version ${version} is not an opset version (a whole number ≥ 1)`,
      });
    }
  }
}

function isDefined(value: Value): boolean {
  return value.producer() !== undefined || value.initializer !== undefined || value.isGraphInput;
}

function checkGraph(graph: Graph, requireSorted: boolean, issues: ValidationIssue[]): void {
  const subject = `graph '${graph.name}'`;
  const inputs = new Set<Value>();
  for (const input of graph.inputs) {
    if (inputs.has(input)) issues.push({ subject, message: `graph input '${input.name}' is listed twice` });
    inputs.add(input);
  }
  for (const value of graph.initializers) {
    checkTensor(value.initializer!, `initializer '${value.name}'`, issues);
  }
  const position = new Map<Node, number>();
  graph.nodes.forEach((node, i) => position.set(node, i));
  graph.nodes.forEach((node, at) => {
    node.inputs.forEach((input, i) => {
      if (input === undefined) return;
      if (!isDefined(input)) {
        issues.push({
          subject: node.describe(),
          message: `input ${i} '${input.name}' is not defined: not a graph input, an initializer or the output of a node`,
        });
        return;
      }
      if (!requireSorted) return;
      const producedAt = input.producer() === undefined ? undefined : position.get(input.producer()!);
      if (producedAt !== undefined && producedAt >= at) {
        issues.push({
          subject: node.describe(),
          message: `input ${i} '${input.name}' is used before it is produced (unsorted or a cycle)`,
        });
      }
    });
    const own = new Set<Value>();
    for (const out of node.outputs) {
      if (out === undefined) continue;
      if (own.has(out)) {
        issues.push({ subject: node.describe(), message: `output '${out.name}' is listed twice` });
      } else if (out.producer() !== node) {
        const other = out.producer();
        issues.push({
          subject: node.describe(),
          message:
            other === undefined
              ? `output '${out.name}' is not linked to it`
              : `output '${out.name}' is also produced by ${other.describe()}`,
        });
      } else if (out.isGraphInput) {
        issues.push({ subject: node.describe(), message: `output '${out.name}' is also a graph input` });
      } else if (out.initializer !== undefined) {
        issues.push({ subject: node.describe(), message: `output '${out.name}' is also an initializer` });
      }
      own.add(out);
    }
  });
  for (const out of graph.outputs) {
    if (!isDefined(out)) {
      issues.push({ subject, message: `graph output '${out.name}' is not produced by anything` });
    }
  }
  const stuck = nodeInCycle(graph);
  if (stuck !== undefined) {
    issues.push({ subject, message: `the graph has a cycle through ${stuck.describe()}` });
  }
}

/** A node on a cycle (its inputs depend on its own outputs), or undefined. Kahn's algorithm. */
function nodeInCycle(graph: Graph): Node | undefined {
  const nodes = graph.nodes;
  const index = new Map<Node, number>();
  nodes.forEach((node, i) => index.set(node, i));
  const pending = new Int32Array(nodes.length);
  const dependents: number[][] = nodes.map(() => []);
  nodes.forEach((node, i) => {
    const producers = new Set<number>();
    for (const value of dependencyValues(node)) {
      const producer = value.producer();
      const j = producer === undefined ? undefined : index.get(producer);
      if (j !== undefined) producers.add(j);
    }
    pending[i] = producers.size;
    for (const j of producers) dependents[j]!.push(i);
  });
  const ready: number[] = [];
  pending.forEach((count, i) => count === 0 && ready.push(i));
  let done = 0;
  while (ready.length > 0) {
    const i = ready.pop()!;
    done += 1;
    for (const d of dependents[i]!) if (--pending[d]! === 0) ready.push(d);
  }
  if (done === nodes.length) return undefined;
  return nodes.find((_, i) => pending[i]! > 0);
}

/** Dims that are whole and not negative, and data as long as they and the element type say. */
function checkTensor(tensor: Tensor, subject: string, issues: ValidationIssue[]): void {
  const bad = tensor.dims.find((d) => !Number.isSafeInteger(d) || d < 0);
  if (bad !== undefined) {
    issues.push({ subject, message: `dimension ${bad} is not a size (a whole number ≥ 0)` });
    return;
  }
  const count = elementCountOf(tensor.dims);
  if (!Number.isSafeInteger(count)) {
    issues.push({ subject, message: `dims [${tensor.dims.join(',')}] hold more elements than any file can` });
    return;
  }
  if (tensor.dtype === DataType.STRING) {
    const strings = tensor.strings().length;
    if (strings !== count) {
      issues.push({
        subject,
        message: `holds ${strings} strings but string[${tensor.dims.join(',')}] needs ${count}`,
      });
    }
    return;
  }
  const expected = byteLengthOf(tensor.dtype, count);
  if (tensor.byteLength !== expected) {
    issues.push({
      subject,
      message: `holds ${tensor.byteLength} bytes but ${dataTypeName(tensor.dtype)}[${tensor.dims.join(',')}] needs ${expected}`,
    });
  }
}

/** The one-line error for the first issue (and how many more there are). */
export function validationError(
  issues: readonly ValidationIssue[],
  subject: string | undefined,
  prefix = '',
): VitOptError {
  const first = issues[0]!;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more ${issues.length === 2 ? 'issue' : 'issues'})` : '';
  return new VitOptError('INVALID_GRAPH', `${prefix}${first.subject}: ${first.message}${more}`, {
    ...(subject === undefined ? {} : { subject }),
  });
}

/** Throws a VitOptError naming the first issue, if any. */
export function assertValidModel(model: Model, context = 'model', options: ValidateOptions = {}): void {
  const issues = validateModel(model, options);
  if (issues.length > 0) throw validationError(issues, context);
}
