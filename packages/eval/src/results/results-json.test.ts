import { describe, expect, it } from 'vitest';
import { formatResultsJson } from './results-json.js';

describe('formatResultsJson', () => {
  it('puts each flat record on one line and indents the rest', () => {
    const text = formatResultsJson({
      kind: 'eval',
      metrics: {
        top1: 0.5,
        top1_delta_ci95: [-0.1, 0.2],
        confusion_matrix: [
          [0, 0, 3],
          [1, 0, 1],
        ],
      },
      items: [{ index: 0, label: 1, top5: [1, 0] }],
      failures: [],
    });
    expect(text).toBe(
      [
        '{',
        '  "kind": "eval",',
        '  "metrics": {',
        '    "top1": 0.5,',
        '    "top1_delta_ci95": [-0.1,0.2],',
        '    "confusion_matrix": [',
        '      [0,0,3],',
        '      [1,0,1]',
        '    ]',
        '  },',
        '  "items": [',
        '    {"index":0,"label":1,"top5":[1,0]}',
        '  ],',
        '  "failures": []',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('reads back every float64 bit for bit', () => {
    const values = [0.1 + 0.2, Math.PI / 3, 1e-300, 5e-324, 123456.789e10, -0];
    const parsed = JSON.parse(formatResultsJson({ values: values.map((v) => ({ v })) })) as {
      values: { v: number }[];
    };
    // JSON has no -0; it reads back as 0, which every metric treats the same.
    expect(parsed.values.map(({ v }) => v)).toEqual([...values.slice(0, -1), 0]);
  });
});
