import { describe, expect, it } from 'vitest';
import { attr } from '../ir/attribute.js';
import { DataType } from '../ir/dtype.js';
import { Model } from '../ir/model.js';
import { Tensor } from '../ir/tensor.js';
import type { Value } from '../ir/value.js';
import { eliminateDeadCode } from './dead-code.js';
import { foldConstants } from './fold-constants.js';
import { foldStaticShapes } from './fold-static-shapes.js';
import { runPasses } from './manager.js';
import { definePass, type ConstantEvaluator } from './pass.js';
import { removeIdentityNodes } from './remove-identity.js';
import { shareIdenticalInitializers } from './share-initializers.js';
import { simplify } from './simplify.js';
import { validateModel } from './validate.js';

const f32 = (values: number[], dims = [values.length]) =>
  Tensor.fromNumbers({ dtype: DataType.FLOAT, dims }, values);
const i64 = (values: number[], dims = [values.length]) =>
  Tensor.fromNumbers({ dtype: DataType.INT64, dims }, values.map(BigInt));

function modelWithInput(shape: (number | string)[] = ['batch', 17, 64]): { model: Model; x: Value } {
  const model = new Model({ opsetImports: new Map([['', 14]]) });
  const x = model.graph.createValue('x');
  x.type = { kind: 'tensor', elemType: DataType.FLOAT, shape };
  model.graph.inputs.push(x);
  return { model, x };
}

/** A stand-in runtime for Add and Mul over float constants: enough to test the pass mechanics. */
const arithmeticEvaluator: ConstantEvaluator = async (model, names) => {
  const values = new Map<string, Float32Array>();
  for (const v of model.graph.initializers) values.set(v.name, v.initializer!.float32());
  for (const node of model.graph.nodes) {
    const [a, b] = node.inputs.map((v) => values.get(v!.name)!);
    const op = node.opType === 'Add' ? (p: number, q: number) => p + q : (p: number, q: number) => p * q;
    values.set(node.output(0).name, a!.map((p, i) => op(p, b![i % b!.length]!)));
  }
  return new Map(names.map((n) => [n, f32(Array.from(values.get(n)!))]));
};

describe('simplify passes', () => {
  it('removes Identity and inference Dropout, keeping graph output names', async () => {
    const { model, x } = modelWithInput();
    const g = model.graph;
    const relu = g.addNode({ opType: 'Relu', inputs: [x], outputs: ['r'] });
    const id = g.addNode({ opType: 'Identity', inputs: [relu.output(0)], outputs: ['i'] });
    const drop = g.addNode({ opType: 'Dropout', inputs: [id.output(0)], outputs: ['d'] });
    const last = g.addNode({ opType: 'Identity', inputs: [drop.output(0)], outputs: ['logits'] });
    g.outputs.push(last.output(0));
    const result = await removeIdentityNodes.run(model, {});
    expect(result.modified).toBe(true);
    expect(g.nodes.map((n) => n.opType)).toEqual(['Relu']);
    expect(g.nodes[0]!.output(0).name).toBe('logits');
    expect(validateModel(model)).toEqual([]);
  });

  it('keeps a Dropout in training mode', async () => {
    const { model, x } = modelWithInput();
    const g = model.graph;
    const training = g.addInitializer(Tensor.fromNumbers({ dtype: DataType.BOOL, dims: [] }, [1]), 'training');
    const ratio = g.addInitializer(f32([0.5], []), 'ratio');
    const drop = g.addNode({ opType: 'Dropout', inputs: [x, ratio, training], outputs: ['d'] });
    g.outputs.push(drop.output(0));
    expect((await removeIdentityNodes.run(model, {})).modified).toBe(false);
  });

  it('folds Shape→Gather on static dimensions even when the batch is dynamic', async () => {
    const { model, x } = modelWithInput(['batch', 17, 64]);
    const g = model.graph;
    const shape = g.addNode({ opType: 'Shape', inputs: [x], outputs: ['s'] });
    const seq = g.addNode({ opType: 'Gather', inputs: [shape.output(0), g.addInitializer(i64([1], []))], outputs: ['seq'] });
    const batch = g.addNode({ opType: 'Gather', inputs: [shape.output(0), g.addInitializer(i64([0], []))], outputs: ['batch'] });
    const out = g.addNode({ opType: 'Concat', inputs: [seq.output(0), batch.output(0)], attributes: [attr.int('axis', 0)], outputs: ['o'] });
    g.outputs.push(out.output(0));
    await runPasses(model, [foldStaticShapes, eliminateDeadCode], { validate: true });
    expect(g.nodes.map((n) => n.opType)).toEqual(['Shape', 'Gather', 'Concat']);
    expect(g.value('seq')!.initializer!.toNumbers()).toEqual([17]);
  });

  it('folds constant subgraphs through the evaluator, only what the graph consumes', async () => {
    const { model, x } = modelWithInput([2]);
    const g = model.graph;
    const a = g.addNode({ opType: 'Add', inputs: [g.addInitializer(f32([1, 2])), g.addInitializer(f32([10, 20]))], outputs: ['a'] });
    const m = g.addNode({ opType: 'Mul', inputs: [a.output(0), g.addInitializer(f32([2]))], outputs: ['m'] });
    const y = g.addNode({ opType: 'Add', inputs: [x, m.output(0)], outputs: ['y'] });
    g.outputs.push(y.output(0));
    const requested: string[][] = [];
    const evaluator: ConstantEvaluator = (model, names) => {
      requested.push([...names]);
      return arithmeticEvaluator(model, names);
    };
    const report = await runPasses(model, [foldConstants, eliminateDeadCode], { context: { evaluator }, validate: true });
    expect(requested).toEqual([['m']]);
    expect(report.modified).toBe(true);
    expect(g.nodes.map((n) => n.opType)).toEqual(['Add']);
    expect(Array.from(g.value('m')!.initializer!.float32())).toEqual([22, 44]);
    expect(g.initializers.map((v) => v.name)).toEqual(['m']);
  });

  it('skips constant folding, saying so, when no evaluator is given', async () => {
    const { model } = modelWithInput();
    expect(await foldConstants.run(model, {})).toEqual({ modified: false, notes: ['skipped: no evaluator'] });
  });

  it('merges identical initializers', async () => {
    const { model, x } = modelWithInput([2]);
    const g = model.graph;
    const a = g.addNode({ opType: 'Add', inputs: [x, g.addInitializer(f32([1, 2]), 'c1')], outputs: ['a'] });
    const b = g.addNode({ opType: 'Add', inputs: [a.output(0), g.addInitializer(f32([1, 2]), 'c2')], outputs: ['b'] });
    g.outputs.push(b.output(0));
    const result = await shareIdenticalInitializers.run(model, {});
    expect(result.notes).toEqual(['merged 1 duplicate initializers']);
    expect(b.inputs[1]!.name).toBe('c1');
    expect(g.initializers).toHaveLength(1);
  });

  it('keeps nodes whose output is used only inside a subgraph', async () => {
    const { model, x } = modelWithInput([1]);
    const g = model.graph;
    const { Graph } = await import('../ir/graph.js');
    const relu = g.addNode({ opType: 'Relu', inputs: [x], outputs: ['captured'] });
    const body = new Graph({ name: 'body', parent: g });
    const inner = body.addNode({ opType: 'Neg', inputs: [relu.output(0)], outputs: ['inner'] });
    body.outputs.push(inner.output(0));
    const cond = g.addInitializer(Tensor.fromNumbers({ dtype: DataType.BOOL, dims: [] }, [1]));
    const ifNode = g.addNode({ opType: 'If', inputs: [cond], outputs: ['y'], attributes: [{ name: 'then_branch', kind: 5, value: body }] });
    g.outputs.push(ifNode.output(0));
    expect((await eliminateDeadCode.run(model, {})).modified).toBe(false);
    expect(g.nodes).toHaveLength(2);
  });

  it('simplify reports node and initializer counts before and after', async () => {
    const { model, x } = modelWithInput([2]);
    const g = model.graph;
    const c = g.addNode({ opType: 'Constant', outputs: ['c'], attributes: [attr.tensor('value', f32([3, 4]))] });
    const id = g.addNode({ opType: 'Identity', inputs: [x], outputs: ['xi'] });
    const y = g.addNode({ opType: 'Add', inputs: [id.output(0), c.output(0)], outputs: ['y'] });
    g.outputs.push(y.output(0));
    const report = await simplify(model);
    expect(report).toMatchObject({ nodesBefore: 3, nodesAfter: 1, initializersBefore: 0, initializersAfter: 1 });
    expect(report.steps.filter((s) => s.modified).map((s) => s.pass)).toEqual([
      'constants-to-initializers',
      'remove-identity',
    ]);
  });

  it('names the pass that broke the model and the passes before it', async () => {
    const { model, x } = modelWithInput([2]);
    const relu = model.graph.addNode({ opType: 'Relu', inputs: [x], outputs: ['y'] });
    model.graph.outputs.push(relu.output(0));
    const breaker = definePass('breaker', (m) => {
      m.graph.nodes[0]!.setInput(0, m.graph.createValue('nowhere'));
      return { modified: true };
    });
    await expect(runPasses(model, [eliminateDeadCode, breaker], { validate: true })).rejects.toThrow(
      /pass 'breaker'.*|left an invalid model: Relu node '.*': input 0 'nowhere' is not defined: .* \(ran after eliminate-dead-code, breaker\)/,
    );
  });
});
