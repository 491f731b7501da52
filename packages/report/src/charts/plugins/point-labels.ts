import type { Plugin } from 'chart.js';
import { FONT_FAMILY, TEXT_COLOR } from '../style.js';

export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface Point {
  readonly x: number;
  readonly y: number;
  readonly radius: number;
}

export interface LabelToPlace {
  readonly point: Point;
  readonly width: number;
  readonly height: number;
}

export interface LabelObstacles {
  /** Every marker drawn, labelled or not: no label covers one. */
  readonly points: readonly Point[];
  /** Lines drawn between points (a Pareto front): a label across one is hard to read. */
  readonly segments: ReadonlyArray<readonly [Point, Point]>;
  /** Labels stay inside this box (the chart area). */
  readonly area: Box;
}

const GAP = 3;

/** Where a label may go around its point, most preferred first. */
function candidates({ point: p, width: w, height: h }: LabelToPlace): Box[] {
  const d = p.radius * 0.75 + GAP;
  const side = p.radius + GAP + 2;
  return [
    { x: p.x + d, y: p.y - d - h, width: w, height: h }, // above right
    { x: p.x + d, y: p.y + d, width: w, height: h }, // below right
    { x: p.x - d - w, y: p.y - d - h, width: w, height: h }, // above left
    { x: p.x - d - w, y: p.y + d, width: w, height: h }, // below left
    { x: p.x + side, y: p.y - h / 2, width: w, height: h }, // right
    { x: p.x - side - w, y: p.y - h / 2, width: w, height: h }, // left
    { x: p.x - w / 2, y: p.y - side - h, width: w, height: h }, // above
    { x: p.x - w / 2, y: p.y + side, width: w, height: h }, // below
  ];
}

function overlapArea(a: Box, b: Box): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

function pointBox(p: Point): Box {
  return { x: p.x - p.radius, y: p.y - p.radius, width: 2 * p.radius, height: 2 * p.radius };
}

/** Whether the segment a–b passes through the box (Liang–Barsky clipping). */
function crosses(box: Box, a: Point, b: Point): boolean {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  let t0 = 0;
  let t1 = 1;
  const edges: Array<[number, number]> = [
    [-dx, a.x - box.x],
    [dx, box.x + box.width - a.x],
    [-dy, a.y - box.y],
    [dy, box.y + box.height - a.y],
  ];
  for (const [p, q] of edges) {
    if (p === 0) {
      if (q < 0) return false;
      continue;
    }
    const t = q / p;
    if (p < 0) t0 = Math.max(t0, t);
    else t1 = Math.min(t1, t);
    if (t0 > t1) return false;
  }
  return true;
}

function outside(box: Box, area: Box): boolean {
  return (
    box.x < area.x ||
    box.y < area.y ||
    box.x + box.width > area.x + area.width ||
    box.y + box.height > area.y + area.height
  );
}

/**
 * Places each label beside its point where it covers no other label, marker or line and stays
 * in the chart area; where every place collides, the least-covered one. Labels are placed left
 * to right, so the result does not depend on the order of the datasets.
 */
export function placeLabels(labels: readonly LabelToPlace[], obstacles: LabelObstacles): Box[] {
  const order = labels.map((_, i) => i).sort((a, b) => labels[a]!.point.x - labels[b]!.point.x);
  const placed: Box[] = [];
  const result: Box[] = new Array<Box>(labels.length);
  for (const i of order) {
    const label = labels[i]!;
    let best: Box | undefined;
    let bestCost = Infinity;
    for (const box of candidates(label)) {
      let cost = outside(box, obstacles.area) ? 1e6 : 0;
      for (const other of placed) cost += 10 * overlapArea(box, other);
      for (const p of obstacles.points) cost += 10 * overlapArea(box, pointBox(p));
      for (const [a, b] of obstacles.segments) if (crosses(box, a, b)) cost += 200;
      if (cost < bestCost) [best, bestCost] = [box, cost];
      if (cost === 0) break;
    }
    result[i] = best!;
    placed.push(best!);
  }
  return result;
}

interface DrawnPoint {
  x: number;
  y: number;
  options?: { radius?: number };
}

/** Names each point of a scatter chart beside it: labels[datasetIndex][pointIndex]. */
export function pointLabelsPlugin(labels: ReadonlyArray<ReadonlyArray<string | null>>): Plugin {
  const fontSize = 12.5;
  return {
    id: 'vitOptPointLabels',
    afterDatasetsDraw(chart) {
      const { ctx, chartArea } = chart;
      ctx.save();
      ctx.font = `${fontSize}px "${FONT_FAMILY}"`;
      const points: Point[] = [];
      const segments: Array<[Point, Point]> = [];
      const toPlace: Array<LabelToPlace & { text: string }> = [];
      chart.data.datasets.forEach((dataset, datasetIndex) => {
        if (!chart.isDatasetVisible(datasetIndex)) return;
        const drawn = chart.getDatasetMeta(datasetIndex).data as unknown as DrawnPoint[];
        const inDataset = drawn.map((d) => ({ x: d.x, y: d.y, radius: d.options?.radius ?? 0 }));
        if ((dataset as { showLine?: boolean }).showLine) {
          for (let k = 1; k < inDataset.length; k++)
            segments.push([inDataset[k - 1]!, inDataset[k]!]);
        }
        inDataset.forEach((point, index) => {
          if (point.radius > 0) points.push(point);
          const text = labels[datasetIndex]?.[index];
          if (text === null || text === undefined) return;
          toPlace.push({ point, text, width: ctx.measureText(text).width, height: fontSize + 2 });
        });
      });
      const area = {
        x: chartArea.left,
        y: chartArea.top,
        width: chartArea.right - chartArea.left,
        height: chartArea.bottom - chartArea.top,
      };
      const boxes = placeLabels(toPlace, { points, segments, area });
      ctx.textAlign = 'left';
      ctx.textBaseline = 'top';
      // A white halo keeps a label legible where it must cross a grid or Pareto line.
      ctx.lineJoin = 'round';
      ctx.lineWidth = 4;
      ctx.strokeStyle = 'rgba(255, 255, 255, 0.9)';
      ctx.fillStyle = TEXT_COLOR;
      toPlace.forEach((label, k) => {
        const box = boxes[k]!;
        ctx.strokeText(label.text, box.x, box.y + 1);
        ctx.fillText(label.text, box.x, box.y + 1);
      });
      ctx.restore();
    },
  };
}
