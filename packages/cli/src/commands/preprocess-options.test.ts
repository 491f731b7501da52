import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import {
  cropSize,
  meanTriple,
  rescaleFactor,
  resizeTarget,
  stdTriple,
} from './preprocess-options.js';

describe('preprocessing flag values', () => {
  it('--resize takes HxW, N for the shortest edge, or none', () => {
    expect(resizeTarget('224x192')).toEqual({ height: 224, width: 192 });
    expect(resizeTarget('256')).toEqual({ shortestEdge: 256 });
    expect(resizeTarget('none')).toBe('none');
  });

  it('--crop takes HxW or none', () => {
    expect(cropSize('28x30')).toEqual({ height: 28, width: 30 });
    expect(cropSize('none')).toBe('none');
  });

  it('--rescale takes a positive number or fraction, or none', () => {
    expect(rescaleFactor('1/255')).toBe(1 / 255);
    expect(rescaleFactor('0.5')).toBe(0.5);
    expect(rescaleFactor('none')).toBe('none');
  });

  it('--mean takes 3 numbers, --std 3 positive ones', () => {
    expect(meanTriple('0.485,0.456,-0.4')).toEqual([0.485, 0.456, -0.4]);
    expect(stdTriple('0.229,0.224,0.225')).toEqual([0.229, 0.224, 0.225]);
  });

  it.each<[string, (value: string) => unknown, string[]]>([
    [
      'resize',
      resizeTarget,
      [
        '0x28',
        '28x0',
        '28X28',
        '28x',
        '0',
        '-1',
        '2.5',
        '',
        'None',
        ' 16',
        '0x10',
        '1e3',
        '9'.repeat(30),
        '16385',
        '100000x100000',
      ],
    ],
    ['crop', cropSize, ['28', '0x28', '28x28x3', '', ' 28x28', '16385x1']],
    [
      'rescale',
      rescaleFactor,
      ['0', '-1', '1/0', '0/1', '1/2/3', 'a', '1/', '', 'Infinity', ' 16', '0x10', '1/ 255'],
    ],
    ['mean', meanTriple, ['1,2', '1,2,3,4', '1,,3', 'a,b,c', '', '0x1,0,0', ' 1,2,3']],
    ['std', stdTriple, ['1,0,1', '1,-1,1', '1,2', '', '1, 1,1']],
  ])('--%s refuses what it does not take', (_flag, parse, values) => {
    for (const value of values) {
      expect(() => parse(value), value).toThrow(InvalidArgumentError);
    }
  });
});
