import { DataType } from '../ir/dtype.js';
import type { Model } from '../ir/model.js';
import type { Node } from '../ir/node.js';
import { Tensor } from '../ir/tensor.js';
import type { Value } from '../ir/value.js';
import { constantOf, replaceNodeWithConstants } from './constants.js';
import { changed, definePass } from './pass.js';

/**
 * Folds shape arithmetic on dimensions that are static: Shape of a fully known shape, and
 * Gather(Shape(x), i) when dimension i of x is known even though others (the batch) are not.
 * What follows (Unsqueeze, Concat of constants) is then left to constant folding.
 */
export const foldStaticShapes = definePass('fold-static-shapes', (model: Model) => {
  let count = 0;
  for (const graph of [...model.graph.allGraphs()]) {
    for (const node of [...graph.nodes]) {
      if (node.domain !== '' || node.outputs[0]?.isGraphOutput !== false) continue;
      const dims =
        node.opType === 'Shape'
          ? staticShapeSlice(node)
          : node.opType === 'Gather'
            ? staticGatheredDims(node)
            : undefined;
      if (dims === undefined) continue;
      const out = node.output(0);
      const tensorDims = node.opType === 'Gather' ? gatherOutputDims(node) : [dims.length];
      replaceNodeWithConstants(node, [
        Tensor.fromNumbers({ name: out.name, dtype: DataType.INT64, dims: tensorDims }, dims.map(BigInt)),
      ]);
      count += 1;
    }
  }
  return changed(count, (n) => `folded ${n} Shape/Gather nodes on static dimensions`);
});

/** Known integer dims of a value, with undefined for the unknown ones; undefined if rank unknown. */
function knownDims(value: Value | undefined): (number | undefined)[] | undefined {
  const shape = value?.tensorType?.shape;
  if (shape === undefined) return undefined;
  return shape.map((d) => (typeof d === 'number' && d >= 0 ? d : undefined));
}

function staticShapeSlice(shapeNode: Node): number[] | undefined {
  const dims = knownDims(shapeNode.inputs[0]);
  if (dims === undefined) return undefined;
  const rank = dims.length;
  const clamp = (i: number): number => Math.min(Math.max(i < 0 ? i + rank : i, 0), rank);
  const start = clamp(shapeNode.int('start', 0));
  const end = clamp(shapeNode.int('end', rank));
  const slice = dims.slice(start, Math.max(start, end));
  return slice.every((d) => d !== undefined) ? (slice as number[]) : undefined;
}

function staticGatheredDims(gather: Node): number[] | undefined {
  const source = gather.inputs[0]?.producer();
  if (source?.opType !== 'Shape' || source.domain !== '' || gather.int('axis', 0) !== 0) return undefined;
  const indices = constantOf(gather.inputs[1]);
  if (indices === undefined || indices.elementCount > 64) return undefined;
  const dims = knownDims(source.inputs[0]);
  if (dims === undefined) return undefined;
  const rank = dims.length;
  const start = Math.min(Math.max(normalizeIndex(source.int('start', 0), rank), 0), rank);
  const end = Math.min(Math.max(normalizeIndex(source.int('end', rank), rank), 0), rank);
  const shapeLength = Math.max(0, end - start);
  const picked: number[] = [];
  for (const raw of indices.toNumbers()) {
    const i = raw < 0 ? raw + shapeLength : raw;
    if (i < 0 || i >= shapeLength) return undefined;
    const d = dims[start + i];
    if (d === undefined) return undefined;
    picked.push(d);
  }
  return picked;
}

function gatherOutputDims(gather: Node): number[] {
  return [...constantOf(gather.inputs[1])!.dims];
}

function normalizeIndex(i: number, rank: number): number {
  return i < 0 ? i + rank : i;
}
