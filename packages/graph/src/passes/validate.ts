import { VitOptError } from '../errors.js';
import type { Graph } from '../ir/graph.js';
import type { Model } from '../ir/model.js';

export interface ValidationIssue {
  /** The graph element the issue is about ("MatMul node 'x'", "graph 'main'"). */
  subject: string;
  message: string;
}

/**
 * Structural checks a pass must never break: every input is produced (by a node, a graph input,
 * an initializer or an enclosing scope), no cycles, each value produced once, node names unique,
 * and an opset imported for every domain used.
 */
export function validateModel(model: Model): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const localDomains = new Set(
    (model.functions as Array<{ domain?: string }>).map((f) => f.domain ?? ''),
  );
  const nodeNames = new Set<string>();
  for (const graph of model.graph.allGraphs()) {
    checkGraph(graph, issues);
    for (const node of graph.nodes) {
      if (node.name !== '') {
        if (nodeNames.has(node.name)) {
          issues.push({ subject: node.describe(), message: 'node name is used twice' });
        }
        nodeNames.add(node.name);
      }
      const domain = node.domain === 'ai.onnx' ? '' : node.domain;
      if (model.opset(domain) === undefined && !localDomains.has(node.domain)) {
        issues.push({
          subject: node.describe(),
          message: `no opset is imported for domain '${domain || 'ai.onnx'}'`,
        });
      }
    }
  }
  return issues;
}

function checkGraph(graph: Graph, issues: ValidationIssue[]): void {
  const subject = `graph '${graph.name}'`;
  const available = new Set<string>();
  // Everything visible from enclosing scopes is available before this graph runs.
  for (let g = graph.parent; g !== undefined; g = g.parent) {
    for (const v of g.ownValues) {
      if (v.producer() !== undefined || v.initializer !== undefined || v.isGraphInput) {
        available.add(v.name);
      }
    }
  }
  for (const v of graph.inputs) available.add(v.name);
  for (const v of graph.initializers) available.add(v.name);
  const produced = new Set<string>();
  for (const node of graph.nodes) {
    node.inputs.forEach((input, i) => {
      if (input !== undefined && !available.has(input.name)) {
        const why = input.producer() === undefined ? 'is not produced by anything' : 'is used before it is produced (unsorted or a cycle)';
        issues.push({ subject: node.describe(), message: `input ${i} '${input.name}' ${why}` });
      }
    });
    for (const out of node.outputs) {
      if (out === undefined) continue;
      if (produced.has(out.name) || (graph.inputs.includes(out))) {
        issues.push({ subject: node.describe(), message: `output '${out.name}' is produced twice` });
      }
      if (out.producer() !== node) {
        issues.push({ subject: node.describe(), message: `output '${out.name}' is not linked to it` });
      }
      produced.add(out.name);
      available.add(out.name);
    }
  }
  for (const out of graph.outputs) {
    if (!available.has(out.name) && out.graph === graph) {
      issues.push({ subject, message: `graph output '${out.name}' is not produced` });
    }
  }
}

/** Throws a VitOptError listing the first issue, if any. */
export function assertValidModel(model: Model, context = 'model'): void {
  const issues = validateModel(model);
  if (issues.length === 0) return;
  const first = issues[0]!;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more issues)` : '';
  throw new VitOptError('INVALID_GRAPH', `${first.subject}: ${first.message}${more}`, {
    subject: context,
  });
}
