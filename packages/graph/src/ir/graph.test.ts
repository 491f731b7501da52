import { describe, expect, it } from 'vitest';
import { AttributeKind } from './attribute.js';
import { DataType } from './dtype.js';
import { Graph } from './graph.js';
import { Tensor } from './tensor.js';

function chain(): { g: Graph; names: string[] } {
  const g = new Graph({ name: 'g' });
  const x = g.createValue('x');
  g.inputs.push(x);
  const a = g.addNode({ opType: 'Relu', inputs: [x], outputs: ['a'] });
  const b = g.addNode({ opType: 'Neg', inputs: [a.output(0)], outputs: ['b'] });
  g.outputs.push(b.output(0));
  return { g, names: g.nodes.map((n) => n.name) };
}

describe('Graph', () => {
  it('keeps producer and use links in sync as inputs change', () => {
    const { g } = chain();
    const [relu, neg] = g.nodes;
    const a = relu!.output(0);
    expect(a.producer()).toBe(relu);
    expect(a.uses()).toEqual([{ node: neg, index: 0 }]);
    neg!.setInput(0, g.value('x'));
    expect(a.uses()).toEqual([]);
    expect(g.value('x')!.uses().map((u) => u.node)).toEqual([relu, neg]);
  });

  it('refuses to remove a node whose output is still used, leaving the graph untouched', () => {
    const { g } = chain();
    expect(() => g.removeNode(g.nodes[0]!)).toThrow(/still used/);
    expect(g.nodes).toHaveLength(2);
  });

  it('replaceAllUsesWith moves uses and graph-output slots', () => {
    const { g } = chain();
    const b = g.value('b')!;
    const x = g.value('x')!;
    b.replaceAllUsesWith(x);
    expect(g.outputs).toEqual([x]);
  });

  it('hands out fresh names and never reuses a taken one', () => {
    const { g } = chain();
    expect(g.createValue('a').name).toBe('a_1');
    expect(g.createValue('a').name).toBe('a_2');
    expect(g.addNode({ opType: 'Relu', name: g.nodes[0]!.name, inputs: [g.value('x')] }).name).not.toBe(
      g.nodes[0]!.name,
    );
  });

  it('sorts topologically and stably, and reports cycles', () => {
    const { g } = chain();
    const relu = g.nodes[0]!;
    const neg = g.nodes[1]!;
    const late = g.addNode({ opType: 'Abs', inputs: [g.value('x')], outputs: ['c'] }, { before: relu });
    // Move Neg before its producer; toposort must restore the order and keep Abs first.
    const unsorted = g.addNode({ opType: 'Sigmoid', inputs: [neg.output(0)], outputs: ['d'] }, { before: late });
    g.toposort();
    expect(g.nodes.map((n) => n.opType)).toEqual(['Abs', 'Relu', 'Neg', 'Sigmoid']);
    relu.setInput(0, unsorted.output(0));
    expect(() => g.toposort()).toThrow(/cycle/);
  });

  it('treats values captured by a subgraph as dependencies of the node that owns it', () => {
    const g = new Graph({ name: 'main' });
    const cond = g.createValue('cond');
    g.inputs.push(cond);
    const body = new Graph({ name: 'then', parent: g });
    const ifNode = g.addNode({ opType: 'If', inputs: [cond], outputs: ['out'] });
    const producer = g.addNode({ opType: 'Relu', inputs: [cond], outputs: ['captured'] });
    const inner = body.addNode({ opType: 'Neg', inputs: [producer.output(0)], outputs: ['inner'] });
    body.outputs.push(inner.output(0));
    ifNode.setAttribute({ name: 'then_branch', kind: AttributeKind.GRAPH, value: body });
    g.outputs.push(ifNode.output(0));
    g.toposort();
    expect(g.nodes.map((n) => n.opType)).toEqual(['Relu', 'If']);
    expect(producer.output(0).uses().map((u) => u.node)).toEqual([inner]);
  });

  it('renames a value and its initializer together', () => {
    const g = new Graph();
    const w = g.addInitializer(Tensor.fromNumbers({ name: 'w', dtype: DataType.FLOAT, dims: [1] }, [1]));
    w.rename('weight');
    expect(g.value('weight')).toBe(w);
    expect(w.initializer!.name).toBe('weight');
    expect(g.value('w')).toBeUndefined();
  });
});

describe('Tensor', () => {
  it('exposes typed data per element type', () => {
    const t = Tensor.fromNumbers({ dtype: DataType.INT64, dims: [3] }, [1, -2, 3]);
    expect(Array.from(t.typed(DataType.INT64))).toEqual([1n, -2n, 3n]);
    expect(() => t.float32()).toThrow(/expected float32 data, the tensor is int64/);
  });

  it('packs 4-bit types two per byte', () => {
    const t = Tensor.fromBytes({ dtype: DataType.INT4, dims: [3] }, new Uint8Array([0x21, 0x03]));
    expect(t.byteLength).toBe(2);
    expect(() => Tensor.fromBytes({ dtype: DataType.INT4, dims: [3] }, new Uint8Array(3))).toThrow(/needs 2/);
  });
});
