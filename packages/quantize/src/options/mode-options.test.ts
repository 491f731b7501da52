import { describe, expect, it } from 'vitest';
import { VitOptError } from '@vit-opt/graph';
import {
  DEFAULT_FLOAT16_OP_BLOCK_LIST,
  normalizeDynamicOptions,
  normalizeFloat16Options,
  normalizeInt4Options,
  settingsForRecipe,
} from './mode-options.js';
import { resolveQuantizationTarget } from '../targets/quantization-target.js';

/** The error a call throws, for checking its code, subject and message together. */
function errorOf(call: () => unknown): VitOptError {
  try {
    call();
  } catch (error) {
    if (error instanceof VitOptError) return error;
    throw error;
  }
  throw new Error('expected a VitOptError');
}

describe('option validation', () => {
  it('fills in the documented defaults, weights as this machine’s target prescribes', () => {
    const { preset } = resolveQuantizationTarget('auto');
    expect(normalizeDynamicOptions(undefined)).toEqual({
      target: resolveQuantizationTarget('auto'),
      perChannel: preset.perChannel,
      reduceRange: preset.reduceRange,
      weightType: preset.weightType,
      weightSymmetric: true,
      shareActivationQuantization: false,
      opTypes: ['MatMul', 'Gemm', 'Attention'],
      includeNodes: [],
      excludeNodes: [],
      minimumWeightElements: 0,
      sourceSha256: undefined,
    });
    expect(normalizeFloat16Options({})).toMatchObject({
      keepIoTypes: true,
      opBlockList: [...DEFAULT_FLOAT16_OP_BLOCK_LIST],
      maxFiniteValue: 65504,
      minPositiveValue: 1e-7,
    });
    expect(normalizeInt4Options({})).toMatchObject({
      blockSize: 32,
      symmetric: true,
      accuracyLevel: 4,
    });
  });

  it('names an unknown option, and lists the known ones', () => {
    const error = errorOf(() => normalizeDynamicOptions({ perChanel: true }));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.subject).toBe('perChanel');
    expect(error.message).toMatch(
      /^unknown quantizeDynamic option 'perChanel'; the options are target, perChannel, /,
    );
  });

  it('names the option of the wrong type and what it must be', () => {
    expect(errorOf(() => normalizeDynamicOptions({ perChannel: 'yes' })).toOneLine()).toBe(
      `perChannel: quantizeDynamic option 'perChannel' must be true or false, got "yes"`,
    );
    expect(
      errorOf(() => normalizeDynamicOptions({ opTypes: ['MatMul', 'Softmax'] })).message,
    ).toMatch(/option 'opTypes' may hold only MatMul, Gemm, Conv, Attention, got "Softmax"/);
    expect(errorOf(() => normalizeDynamicOptions({ minimumWeightElements: -1 })).message).toMatch(
      /'minimumWeightElements' must be an integer ≥ 0, got number -1/,
    );
    expect(errorOf(() => normalizeInt4Options({ blockSize: 48 })).message).toMatch(
      /'blockSize' must be one of 32, 64, 128, got number 48/,
    );
    expect(errorOf(() => normalizeFloat16Options({ maxFiniteValue: 1e6 })).subject).toBe(
      'maxFiniteValue',
    );
    expect(errorOf(() => normalizeDynamicOptions({ sourceSha256: 'abc' })).subject).toBe(
      'sourceSha256',
    );
    expect(errorOf(() => normalizeDynamicOptions('fast')).message).toMatch(
      /options must be an object, got "fast"/,
    );
  });

  it('names a bad regular expression', () => {
    const error = errorOf(() => normalizeDynamicOptions({ excludeNodes: ['attention', '(query'] }));
    expect(error.subject).toBe('excludeNodes');
    expect(error.message).toMatch(
      /option 'excludeNodes' is not a valid regular expression: .*Unterminated group/,
    );
    expect(errorOf(() => normalizeDynamicOptions({ includeNodes: [42] })).message).toMatch(
      /got number 42/,
    );
  });

  it('takes patterns as RegExp or strings, one or many, dropping the stateful g flag', () => {
    const { includeNodes, excludeNodes } = normalizeDynamicOptions({
      includeNodes: /layer\.0/g,
      excludeNodes: ['query', /KEY/i],
    });
    expect(includeNodes).toEqual([/layer\.0/]);
    expect(excludeNodes).toEqual([/query/, /KEY/i]);
    // A g flag would make test() alternate between true and false on the same name.
    expect([1, 2, 3].map(() => includeNodes[0]!.test('/layer.0/MatMul'))).toEqual([
      true,
      true,
      true,
    ]);
  });

  it('writes settings into the recipe as JSON: patterns as text, no source digest', () => {
    const settings = normalizeDynamicOptions({
      excludeNodes: ['query', /KEY/i],
      sourceSha256: 'A'.repeat(64),
    });
    expect(settings.sourceSha256).toBe('a'.repeat(64));
    const json = settingsForRecipe(settings);
    expect(json.excludeNodes).toEqual(['query', '/KEY/i']);
    expect(json).not.toHaveProperty('sourceSha256');
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });
});
