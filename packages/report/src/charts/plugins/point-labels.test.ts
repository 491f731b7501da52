import { describe, expect, it } from 'vitest';
import { placeLabels, type Box, type Point } from './point-labels.js';

const area: Box = { x: 0, y: 0, width: 400, height: 300 };
const overlap = (a: Box, b: Box): boolean =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
const label = (point: Point, width = 60) => ({ point, width, height: 14 });

describe('placeLabels', () => {
  it('puts a lone label above and to the right of its point', () => {
    const p = { x: 100, y: 100, radius: 8 };
    const [box] = placeLabels([label(p)], { points: [p], segments: [], area });
    expect(box!.x).toBeGreaterThan(p.x);
    expect(box!.y + box!.height).toBeLessThan(p.y);
  });

  it('keeps the labels of two close points apart and off both markers', () => {
    // fp16 and int8-static of the example: the same accuracy, 7 µs apart.
    const points = [
      { x: 200, y: 150, radius: 8 },
      { x: 220, y: 150, radius: 8 },
    ];
    const boxes = placeLabels(
      points.map((p) => label(p, 70)),
      { points, segments: [], area },
    );
    expect(overlap(boxes[0]!, boxes[1]!)).toBe(false);
    for (const box of boxes) {
      for (const p of points) {
        const marker = { x: p.x - p.radius, y: p.y - p.radius, width: 16, height: 16 };
        expect(overlap(box, marker)).toBe(false);
      }
    }
  });

  it('moves a label off a line drawn through its preferred place', () => {
    const a = { x: 100, y: 200, radius: 8 };
    const b = { x: 300, y: 100, radius: 8 };
    const [box] = placeLabels([label(a)], { points: [a, b], segments: [[a, b]], area });
    // Above right is where the line to b goes; below right is free.
    expect(box!.y).toBeGreaterThan(a.y);
  });

  it('stays inside the chart area at its edges', () => {
    const p = { x: 390, y: 5, radius: 8 };
    const [box] = placeLabels([label(p)], { points: [p], segments: [], area });
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(400);
    expect(box!.y).toBeGreaterThanOrEqual(0);
  });
});
