import { describe, expect, it } from 'vitest';
import { AttributeKind, attr } from '../ir/attribute.js';
import { DataType } from '../ir/dtype.js';
import { Graph } from '../ir/graph.js';
import { Model } from '../ir/model.js';
import type { Node } from '../ir/node.js';
import { Tensor } from '../ir/tensor.js';
import type { Value } from '../ir/value.js';
import { cleanup } from './cleanup.js';
import { eliminateDeadCode } from './dead-code.js';
import { validateModel } from './validate.js';

const f32 = (values: number[]) => Tensor.fromNumbers({ dtype: DataType.FLOAT, dims: [values.length] }, values);
const TRUE = () => Tensor.fromNumbers({ dtype: DataType.BOOL, dims: [] }, [1]);

/** A graph with input x and whatever `build` adds; `build` returns the graph outputs. */
function graphOf(build: (g: Graph, x: Value) => Value[]): { model: Model; g: Graph } {
  const model = new Model({ opsetImports: new Map([['', 17]]) });
  const g = model.graph;
  const x = g.createValue('x');
  x.type = { kind: 'tensor', elemType: DataType.FLOAT, shape: [2] };
  g.inputs.push(x);
  g.outputs.push(...build(g, x));
  return { model, g };
}

const ops = (g: Graph) => g.nodes.map((n) => n.opType);
const initializerNames = (g: Graph) => g.initializers.map((v) => v.name);

/** If(cond) with `body` as its then branch (no else branch: enough for liveness). */
function ifNode(g: Graph, body: Graph, outputs: string[]): Node {
  const cond = g.addInitializer(TRUE(), 'cond');
  return g.addNode({
    opType: 'If',
    inputs: [cond],
    outputs,
    attributes: [{ name: 'then_branch', kind: AttributeKind.GRAPH, value: body }],
  });
}

describe('cleanup', () => {
  it('removes a dead chain in one call, whatever order its nodes are listed in, and keeps what reaches an output', () => {
    const { model, g } = graphOf((g, x) => {
      const live = g.addNode({ opType: 'Relu', inputs: [x], outputs: ['y'] });
      const a = g.addNode({ opType: 'Neg', inputs: [x], outputs: ['a'] });
      const b = g.addNode({ opType: 'Abs', inputs: [a.output(0)], outputs: ['b'] });
      // Listed before its producer: a sweep from the end of the list would trip over it.
      g.addNode({ opType: 'Exp', inputs: [b.output(0)], outputs: ['c'] }, { before: a });
      return [live.output(0)];
    });
    expect(cleanup(g)).toEqual({ nodes: 3, constants: 0, initializers: 0 });
    expect(ops(g)).toEqual(['Relu']);
    for (const name of ['a', 'b', 'c']) expect(g.value(name)).toBeUndefined();
    expect(validateModel(model)).toEqual([]);
  });

  it('keeps a node one of whose outputs is used, even if the others are not', () => {
    const { g } = graphOf((g, x) => {
      const split = g.addNode({ opType: 'Split', inputs: [x], outputs: ['left', 'right'], attributes: [attr.int('num_outputs', 2)] });
      return [split.output(1)];
    });
    expect(cleanup(g)).toEqual({ nodes: 0, constants: 0, initializers: 0 });
    expect(ops(g)).toEqual(['Split']);
  });

  it('removes unused Constant nodes and initializers, also those only dead nodes read', () => {
    const { g } = graphOf((g, x) => {
      g.addNode({ opType: 'Constant', outputs: ['never_read'], attributes: [attr.tensor('value', f32([1]))] });
      const shift = g.addNode({ opType: 'Constant', outputs: ['shift'], attributes: [attr.tensor('value', f32([2]))] });
      g.addInitializer(f32([3]), 'orphan');
      const weight = g.addInitializer(f32([4, 5]), 'weight');
      const replacedBias = g.addInitializer(f32([6, 7]), 'replaced_bias');
      g.addNode({ opType: 'Add', inputs: [x, replacedBias], outputs: ['dead_sum'] });
      const y = g.addNode({ opType: 'Mul', inputs: [x, weight], outputs: ['scaled'] });
      return [g.addNode({ opType: 'Add', inputs: [y.output(0), shift.output(0)], outputs: ['y'] }).output(0)];
    });
    expect(cleanup(g)).toEqual({ nodes: 1, constants: 1, initializers: 2 });
    expect(ops(g)).toEqual(['Constant', 'Mul', 'Add']);
    expect(initializerNames(g)).toEqual(['weight']);
    expect(g.value('orphan')).toBeUndefined();
  });

  it('keeps graph inputs and outputs: an unused input, an initializer that is an input or an output', () => {
    const { g } = graphOf((g, x) => {
      const unusedInput = g.createValue('unused_input');
      g.inputs.push(unusedInput);
      // An initializer listed as an input is a default the caller may override.
      g.inputs.push(g.addInitializer(f32([1]), 'overridable'));
      const table = g.addInitializer(f32([2, 3]), 'table');
      return [g.addNode({ opType: 'Relu', inputs: [x], outputs: ['y'] }).output(0), table];
    });
    expect(cleanup(g)).toEqual({ nodes: 0, constants: 0, initializers: 0 });
    expect(g.inputs.map((v) => v.name)).toEqual(['x', 'unused_input', 'overridable']);
    expect(initializerNames(g)).toEqual(['overridable', 'table']);
  });

  it('keeps what a body captures from outside, and sweeps the body itself', () => {
    let body!: Graph;
    const { model, g } = graphOf((g, x) => {
      const captured = g.addNode({ opType: 'Relu', inputs: [x], outputs: ['captured'] });
      const returned = g.addNode({ opType: 'Neg', inputs: [x], outputs: ['returned'] });
      const outerWeight = g.addInitializer(f32([1, 2]), 'outer_weight');
      body = new Graph({ name: 'body', parent: g });
      body.addInitializer(f32([9]), 'inner_orphan');
      body.addNode({ opType: 'Exp', inputs: [captured.output(0)], outputs: ['inner_dead'] });
      const inner = body.addNode({ opType: 'Mul', inputs: [captured.output(0), outerWeight], outputs: ['inner'] });
      // A body may return an outer value as it is: that is a use too.
      body.outputs.push(inner.output(0), returned.output(0));
      return [ifNode(g, body, ['y', 'z']).output(0)];
    });
    expect(cleanup(g)).toEqual({ nodes: 1, constants: 0, initializers: 1 });
    expect(ops(g)).toEqual(['Relu', 'Neg', 'If']);
    expect(initializerNames(g)).toEqual(['outer_weight', 'cond']);
    expect(ops(body)).toEqual(['Mul']);
    expect(initializerNames(body)).toEqual([]);
    expect(validateModel(model)).toEqual([]);
  });

  it('removes a dead If with its body, and then what only that body read', () => {
    const { g } = graphOf((g, x) => {
      const feeding = g.addNode({ opType: 'Relu', inputs: [x], outputs: ['only_for_the_body'] });
      const body = new Graph({ name: 'body', parent: g });
      const inner = body.addNode({ opType: 'Neg', inputs: [feeding.output(0)], outputs: ['inner'] });
      body.outputs.push(inner.output(0));
      ifNode(g, body, ['unused']);
      return [g.addNode({ opType: 'Abs', inputs: [x], outputs: ['y'] }).output(0)];
    });
    expect(cleanup(g)).toEqual({ nodes: 2, constants: 0, initializers: 1 });
    expect(ops(g)).toEqual(['Abs']);
    expect(initializerNames(g)).toEqual([]);
  });

  it('changes nothing in a graph without dead code', () => {
    const { g } = graphOf((g, x) => [g.addNode({ opType: 'Add', inputs: [x, g.addInitializer(f32([1, 2]), 'b')], outputs: ['y'] }).output(0)]);
    expect(cleanup(g)).toEqual({ nodes: 0, constants: 0, initializers: 0 });
    expect(ops(g)).toEqual(['Add']);
    expect(initializerNames(g)).toEqual(['b']);
  });
});

describe('eliminateDeadCode', () => {
  it('is cleanup as a pass, saying what it removed', async () => {
    const { model } = graphOf((g, x) => {
      g.addNode({ opType: 'Neg', inputs: [x, g.addInitializer(f32([1]), 'w')], outputs: ['dead'] });
      g.addNode({ opType: 'Constant', outputs: ['c'], attributes: [attr.tensor('value', f32([1]))] });
      return [g.addNode({ opType: 'Relu', inputs: [x], outputs: ['y'] }).output(0)];
    });
    expect(await eliminateDeadCode.run(model, {})).toEqual({
      modified: true,
      notes: ['removed 1 dead nodes', 'removed 1 unused Constant nodes', 'removed 1 unused initializers'],
    });
    expect(await eliminateDeadCode.run(model, {})).toEqual({ modified: false, notes: [] });
  });
});
