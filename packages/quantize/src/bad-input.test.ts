import { describe, expect, it } from 'vitest';
import { DataType, VitOptError, attr, encodeModel, type Model } from '@vit-opt/graph';
import { convertFloat16 } from './passes/convert-float16.js';
import { quantizeDynamic } from './passes/quantize-dynamic.js';
import { quantizeWeightsInt4 } from './passes/quantize-weights-int4.js';
import { modelWithInput, projectionsModel, setOutput } from './testing/small-models.js';

/** The VitOptError a call throws, after checking the model was left as it was. */
function rejection(model: Model, call: (model: Model) => unknown): VitOptError {
  const before = encodeModel(model);
  try {
    call(model);
  } catch (error) {
    expect(error).toBeInstanceOf(VitOptError);
    expect(encodeModel(model)).toEqual(before);
    return error as VitOptError;
  }
  throw new Error('expected the call to fail');
}

/** x · xᵀ: a MatMul, but no constant weight anywhere. */
function attentionOnlyModel(): Model {
  const { model, x } = modelWithInput(['batch', 8, 16]);
  const g = model.graph;
  const t = g.addNode({
    opType: 'Transpose',
    inputs: [x],
    outputs: ['xT'],
    attributes: [attr.ints('perm', [0, 2, 1])],
  });
  const scores = g.addNode({
    opType: 'MatMul',
    name: '/scores/MatMul',
    inputs: [x, t.output(0)],
    outputs: ['scores'],
  });
  setOutput(model, scores.output(0), ['batch', 8, 8]);
  return model;
}

const weightModes = [
  ['quantizeDynamic', (m: Model, o?: object) => quantizeDynamic(m, o)],
  ['quantizeWeightsInt4', (m: Model, o?: object) => quantizeWeightsInt4(m, o)],
] as const;

describe.each(weightModes)('%s refuses bad input with one clear line', (mode, run) => {
  it('nothing to quantize: says what it looked for', () => {
    const error = rejection(attentionOnlyModel(), (m) => run(m));
    expect(error.subject).toBe('model');
    const opTypes = mode === 'quantizeDynamic' ? 'MatMul, Gemm, Attention' : 'MatMul, Gemm';
    expect(error.toOneLine()).toBe(
      `model: nothing to quantize: no node matched (looked for op types ${opTypes} with a constant float32 weight)`,
    );
    expect(rejection(projectionsModel(), (m) => run(m, { excludeNodes: '.' })).message).toMatch(
      new RegExp(
        `looked for op types ${opTypes} with a constant float32 weight; excludeNodes /\\./\\)$`,
      ),
    );
  });

  it('already quantized: names the op it found', () => {
    const model = projectionsModel();
    quantizeDynamic(model);
    const error = rejection(model, (m) => run(m));
    expect(error.message).toMatch(
      /the model is already quantized \(it contains DynamicQuantizeLinear node 'x_QuantizeLinear'\)/,
    );
    const int4 = projectionsModel();
    quantizeWeightsInt4(int4);
    expect(rejection(int4, (m) => run(m)).message).toMatch(
      /contains com\.microsoft\.MatMulNBits node/,
    );
  });

  it('invalid options: names the option', () => {
    expect(rejection(projectionsModel(), (m) => run(m, { excludeNodes: '[' })).subject).toBe(
      'excludeNodes',
    );
    expect(rejection(projectionsModel(), (m) => run(m, { nonsense: 1 })).message).toMatch(
      `unknown ${mode} option 'nonsense'`,
    );
  });
});

describe('mode-specific refusals', () => {
  it('dynamic quantization needs ai.onnx opset 11 and says what the model imports', () => {
    const error = rejection(projectionsModel(10), (m) => quantizeDynamic(m));
    expect(error.toOneLine()).toBe(
      'model: dynamic quantization (DynamicQuantizeLinear) needs opset ≥ 11, the model imports 10; re-export it with a newer opset',
    );
  });

  it('float16 conversion refuses a quantized model, a model without float32, and bad options', () => {
    const quantized = projectionsModel();
    quantizeDynamic(quantized);
    expect(rejection(quantized, (m) => convertFloat16(m)).message).toMatch(
      /^cannot convert to float16: the model is already quantized/,
    );

    const { model, x } = modelWithInput(['batch', 4]);
    x.type = { kind: 'tensor', elemType: DataType.INT64, shape: ['batch', 4] };
    const neg = model.graph.addNode({ opType: 'Neg', inputs: [x], outputs: ['y'] });
    model.graph.outputs.push(neg.output(0));
    expect(rejection(model, (m) => convertFloat16(m)).message).toBe(
      'nothing to convert: the model has no float32 values or constants',
    );

    expect(
      rejection(projectionsModel(), (m) => convertFloat16(m, { opBlockList: [''] })).subject,
    ).toBe('opBlockList');
    expect(
      rejection(projectionsModel(), (m) => convertFloat16(m, { minPositiveValue: 0 })).message,
    ).toMatch(/option 'minPositiveValue' must be a number > 0/);
  });
});
