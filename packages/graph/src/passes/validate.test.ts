import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VitOptError } from '../errors.js';
import { decodeModel } from '../io/decode.js';
import { loadModel } from '../io/model-file.js';
import { onnxType } from '../io/proto.js';
import { attr } from '../ir/attribute.js';
import { DataType } from '../ir/dtype.js';
import { Graph } from '../ir/graph.js';
import { Model } from '../ir/model.js';
import { Tensor } from '../ir/tensor.js';
import { runPasses } from './manager.js';
import { definePass } from './pass.js';
import { simplify } from './simplify.js';
import { LOAD_CHECKS, validateModel } from './validate.js';

type Proto = Record<string, unknown>;
const floatType = { tensorType: { elemType: DataType.FLOAT, shape: { dim: [{ dimValue: 2 }] } } };
const info = (name: string): Proto => ({ name, type: floatType });
const node = (opType: string, input: string[], output: string[], name = output[0]): Proto => ({
  opType,
  input,
  output,
  name,
});
const weight = (name: string, bytes = 8, dims = [2]): Proto => ({
  name,
  dataType: DataType.FLOAT,
  dims,
  rawData: new Uint8Array(bytes),
});

/** x → Relu → r → Add(r, w) → y, as protobuf fields, for each test to break one way. */
function modelProto(change: (graph: Proto & { node: Proto[] }, model: Proto) => void = () => {}): Uint8Array {
  const graph = {
    name: 'main',
    input: [info('x')],
    output: [info('y')],
    initializer: [weight('w')],
    node: [node('Relu', ['x'], ['r']), node('Add', ['r', 'w'], ['y'])],
  };
  const model: Proto = { irVersion: 8, opsetImport: [{ domain: '', version: 17 }], graph };
  change(graph, model);
  const type = onnxType('ModelProto');
  return type.encode(type.fromObject(model)).finish();
}

/** The one line `load` fails with. */
function oneLine(load: () => unknown): string {
  try {
    load();
  } catch (error) {
    return (error as VitOptError).toOneLine();
  }
  return 'accepted';
}

/** The one line decodeModel refuses `bytes` with. */
function refusal(bytes: Uint8Array): string {
  try {
    decodeModel(bytes, { source: 'm.onnx' });
  } catch (error) {
    expect(error).toBeInstanceOf(VitOptError);
    expect(['INVALID_GRAPH', 'CORRUPT']).toContain((error as VitOptError).code);
    return (error as VitOptError).toOneLine();
  }
  throw new Error('the model was accepted');
}

describe('structural validation on load', () => {
  it('accepts operators of domains and opsets it does not know', () => {
    const custom = modelProto((g, m) => {
      g.node[0]!.domain = 'com.microsoft';
      g.node[0]!.opType = 'FastGelu';
      m.opsetImport = [{ domain: '', version: 17 }, { domain: 'com.microsoft', version: 1 }];
    });
    expect(decodeModel(custom).graph.nodes[0]!.opType).toBe('FastGelu');
    const future = modelProto((g, m) => {
      g.node[0]!.opType = 'SomeOperatorOfOpset30';
      m.opsetImport = [{ domain: '', version: 30 }];
    });
    expect(decodeModel(future).graph.nodes[0]!.opType).toBe('SomeOperatorOfOpset30');
  });

  it('accepts a well-formed model, and an unsorted one onnxruntime would sort', () => {
    expect(decodeModel(modelProto()).graph.nodes).toHaveLength(2);
    const unsorted = modelProto((g) => g.node.reverse());
    expect(decodeModel(unsorted).graph.nodes.map((n) => n.opType)).toEqual(['Add', 'Relu']);
  });

  it.each<[string, (g: Proto & { node: Proto[] }, m: Proto) => void, string]>([
    [
      'a node input nothing defines',
      (g) => (g.node[1]!.input = ['r', 'w\ufffd']),
      "m.onnx: Add node 'y': input 1 'w\ufffd' is not defined: not a graph input, an initializer or the output of a node",
    ],
    [
      'a cycle',
      (g) => {
        g.node[0]!.input = ['y'];
      },
      "m.onnx: graph 'main': the graph has a cycle through Relu node 'r'",
    ],
    [
      'a value two nodes produce',
      (g) => g.node.push(node('Neg', ['x'], ['r'], 'n')),
      "m.onnx: Relu node 'r': output 'r' is also produced by Neg node 'n'",
    ],
    [
      'a node output that is a graph input',
      (g) => (g.node[0]!.output = ['x']),
      "m.onnx: Relu node 'r': output 'x' is also a graph input",
    ],
    [
      'a node output that is an initializer',
      (g) => (g.node[0]!.output = ['w']),
      "m.onnx: Relu node 'r': output 'w' is also an initializer",
    ],
    [
      'a graph output nothing produces',
      (g) => (g.output = [info('z')]),
      "m.onnx: graph 'main': graph output 'z' is not produced by anything",
    ],
    [
      'initializer data shorter than its dims',
      (g) => (g.initializer = [weight('w', 8, [3])]),
      "m.onnx: tensor 'w': holds 8 bytes but float32[3] needs 12",
    ],
    [
      'a negative dimension',
      (g) => (g.initializer = [weight('w', 0, [-2])]),
      "m.onnx: tensor 'w': dimension -2 is not a size (a whole number ≥ 0)",
    ],
    [
      'two initializers of one name',
      (g) => (g.initializer = [weight('w'), weight('w')]),
      "m.onnx: initializer 'w': the name is given to two initializers",
    ],
    [
      'a domain without an opset',
      (g) => (g.node[0]!.domain = 'com.example'),
      "m.onnx: com.example.Relu node 'r': no opset is imported for domain 'com.example'",
    ],
    [
      'an operator ai.onnx does not have',
      (g) => (g.node[0]!.opType = 'Re1u'),
      "m.onnx: Re1u node 'r': ai.onnx has no operator 'Re1u' (at opset 17)",
    ],
    [
      'an operator of a later opset',
      (g) => (g.node[0]!.opType = 'Gelu'),
      "m.onnx: Gelu node 'r': Gelu is an ai.onnx operator from opset 20; the model imports opset 17",
    ],
    [
      'an attribute the operator never takes',
      (g) => (g.node[0]!.attribute = [{ name: 'alpah', type: 1, f: 0.5 }]),
      "m.onnx: Relu node 'r': Relu takes no attribute 'alpah'",
    ],
    [
      'an attribute given twice',
      (g) => {
        g.node[0]!.opType = 'LeakyRelu';
        g.node[0]!.attribute = [
          { name: 'alpha', type: 1, f: 0.5 },
          { name: 'alpha', type: 1, f: 0.1 },
        ];
      },
      "m.onnx: LeakyRelu node 'r': attribute 'alpha' is given twice",
    ],
    [
      'two nodes of one name',
      (g) => (g.node[1]!.name = 'r'),
      "m.onnx: Add node 'r': node name is used twice",
    ],
    [
      'an opset version of 0',
      (_, m) => (m.opsetImport = [{ domain: '', version: 0 }]),
      "m.onnx: opset import 'ai.onnx': version 0 is not an opset version (a whole number ≥ 1)",
    ],
  ])('refuses %s with one line naming it', (_, change, line) => {
    const message = refusal(modelProto(change));
    expect(message).toContain(line);
    expect(message).not.toContain('\n');
  });

  it('counts the issues beyond the first', () => {
    const message = refusal(
      modelProto((g) => {
        g.node[0]!.input = ['a'];
        g.node[1]!.input = ['b', 'c'];
      }),
    );
    expect(message).toMatch(/input 0 'a' is not defined.* \(and 2 more issues\)$/);
  });

  it('lets experts opt out, and then validateModel still lists the issues', () => {
    const bytes = modelProto((g) => (g.node[1]!.input = ['r', 'nowhere']));
    const model = decodeModel(bytes, { validate: false });
    expect(validateModel(model, LOAD_CHECKS)).toEqual([
      {
        subject: "Add node 'y'",
        message: "input 1 'nowhere' is not defined: not a graph input, an initializer or the output of a node",
      },
    ]);
    const path = join(mkdtempSync(join(tmpdir(), 'vit-opt-validate-')), 'broken.onnx');
    writeFileSync(path, bytes);
    expect(oneLine(() => loadModel(path))).toMatch(/broken\.onnx: Add node 'y': input 1 'nowhere' is not defined/);
    expect(loadModel(path, { validate: false }).graph.nodes).toHaveLength(2);
  });

  it('accepts subgraphs that read values of the enclosing scope', () => {
    const bytes = modelProto((g) => {
      const branch = (name: string): Proto => ({
        name,
        output: [info(`${name}_out`)],
        node: [node('Add', ['r', 'w'], [`${name}_out`])],
      });
      g.input.push({ name: 'c', type: { tensorType: { elemType: DataType.BOOL, shape: { dim: [] } } } });
      g.node[1] = {
        ...node('If', ['c'], ['y']),
        attribute: [
          { name: 'then_branch', type: 5, g: branch('then') },
          { name: 'else_branch', type: 5, g: branch('else') },
        ],
      };
    });
    expect(decodeModel(bytes).graph.nodes[1]!.subgraphs()).toHaveLength(2);
    const dangling = modelProto((g) => {
      g.node[1] = {
        ...node('If', ['x'], ['y']),
        attribute: [
          {
            name: 'then_branch',
            type: 5,
            g: { name: 'then', output: [info('t')], node: [node('Neg', ['elsewhere'], ['t'])] },
          },
        ],
      };
    });
    expect(refusal(dangling)).toContain("Neg node 't': input 0 'elsewhere' is not defined");
  });
});

describe('passes on a model that was broken before they ran', () => {
  function brokenModel(): Model {
    const model = new Model({ opsetImports: new Map([['', 17]]) });
    const g = model.graph;
    const x = g.createValue('x');
    g.inputs.push(x);
    const constant = g.addNode({
      opType: 'Constant',
      outputs: ['c'],
      attributes: [attr.tensor('value', Tensor.fromNumbers({ dtype: DataType.FLOAT, dims: [1] }, [1]))],
    });
    const add = g.addNode({ opType: 'Add', inputs: [x, constant.output(0)], outputs: ['y'] });
    add.setInput(1, g.createValue('dangling'));
    g.outputs.push(add.output(0));
    return model;
  }

  it('say the model was invalid, not that the first pass broke it', async () => {
    const error = await simplify(brokenModel()).catch((e: unknown) => e as VitOptError);
    expect(error.code).toBe('INVALID_GRAPH');
    expect(error.toOneLine()).toContain(
      "model: the model is invalid before any pass ran: Add node 'Add': input 1 'dangling' is not defined",
    );
    expect(error.toOneLine()).not.toContain("pass '");
  });

  it('stop between passes once their signal is aborted, with its reason', async () => {
    const model = new Model({ opsetImports: new Map([['', 17]]) });
    const x = model.graph.createValue('x');
    model.graph.inputs.push(x);
    model.graph.outputs.push(model.graph.addNode({ opType: 'Relu', inputs: [x] }).output(0));
    const controller = new AbortController();
    const ran: string[] = [];
    const stopper = definePass('stopper', () => {
      ran.push('stopper');
      controller.abort(new Error('interrupted'));
      return { modified: false };
    });
    const after = definePass('after', () => {
      ran.push('after');
      return { modified: false };
    });
    await expect(runPasses(model, [stopper, after], { signal: controller.signal })).rejects.toThrow('interrupted');
    expect(ran).toEqual(['stopper']);
  });

  it('hold a pass to sorted order only when its input was sorted', async () => {
    const model = new Model({ opsetImports: new Map([['', 17]]) });
    const g: Graph = model.graph;
    const x = g.createValue('x');
    g.inputs.push(x);
    const neg = g.addNode({ opType: 'Neg', inputs: [x], outputs: ['n'] });
    const relu = g.addNode({ opType: 'Relu', inputs: [neg.output(0)], outputs: ['y'] }, { before: neg });
    g.outputs.push(relu.output(0));
    const nothing = definePass('nothing', () => ({ modified: false }));
    await expect(runPasses(model, [nothing], { validate: true })).resolves.toMatchObject({ modified: false });
    g.toposort();
    const unsort = definePass('unsort', (m) => {
      const [first] = m.graph.nodes;
      m.graph.addNode({ opType: 'Relu', inputs: [first!.output(0)], outputs: ['z'] }, { before: first! });
      return { modified: true };
    });
    const error = await runPasses(model, [unsort], { validate: true }).catch((e: unknown) => e as VitOptError);
    expect(error.toOneLine()).toMatch(
      /^pass 'unsort': left an invalid model: Relu node 'Relu_1': input 0 'n' is used before it is produced/,
    );
  });
});
