import type { Value } from '../ir/value.js';
import { isOp, producerOf, smallConstantNumbers } from './graph-walk.js';

/**
 * One element of a shape tensor that an export computes at run time, as far as constants tell:
 * a known integer, an unknown value times a known factor (`batch × 12` is `{ factor: 12 }`,
 * `embed_dim / 12` is `{ factor: 1/12 }`), or a run of elements of unknown length.
 */
export type ShapeElement =
  | { readonly kind: 'known'; readonly value: number }
  | { readonly kind: 'scaled'; readonly factor: number }
  | { readonly kind: 'run' };

const UNKNOWN: ShapeElement = { kind: 'scaled', factor: 1 };
const RUN: ShapeElement = { kind: 'run' };

/** Exporters build shapes from Shape→Gather→Unsqueeze pieces; the walk stays that short. */
const MAX_DEPTH = 8;

/** The elements of a 1-D shape value (a Reshape's second input), resolved through Concat. */
export function resolveShapeElements(shape: Value): ShapeElement[] {
  const numbers = smallConstantNumbers(shape);
  if (numbers !== undefined) return numbers.map((value) => ({ kind: 'known', value }));
  const producer = producerOf(shape);
  if (isOp(producer, 'Concat')) {
    return producer.inputs.flatMap((input) =>
      input === undefined ? [] : resolveShapeElements(input),
    );
  }
  if (isOp(producer, 'Unsqueeze')) return [resolveScalar(producer.input(0), 0)];
  if (isOp(producer, 'Cast')) return resolveShapeElements(producer.input(0));
  return [RUN];
}

/** Element `fromEnd` places before the end (1 is the last); unknown when a run follows it. */
export function elementFromEnd(elements: readonly ShapeElement[], fromEnd: number): ShapeElement {
  const index = elements.length - fromEnd;
  if (index < 0 || elements.slice(index + 1).some((e) => e.kind === 'run')) return UNKNOWN;
  return elements[index] ?? UNKNOWN;
}

/** Rank of the reshaped result, when no run of unknown length is involved. */
export function shapeRank(elements: readonly ShapeElement[]): number | undefined {
  return elements.some((e) => e.kind === 'run') ? undefined : elements.length;
}

function resolveScalar(value: Value, depth: number): ShapeElement {
  const numbers = smallConstantNumbers(value);
  if (numbers?.length === 1) return { kind: 'known', value: numbers[0]! };
  const producer = producerOf(value);
  if (producer === undefined || depth >= MAX_DEPTH) return UNKNOWN;
  if (isOp(producer, 'Cast', 'Unsqueeze', 'Squeeze', 'Floor', 'Ceil')) {
    return resolveScalar(producer.input(0), depth + 1);
  }
  if (isOp(producer, 'Mul', 'Div') && producer.inputs.length === 2) {
    const a = resolveScalar(producer.input(0), depth + 1);
    const b = resolveScalar(producer.input(1), depth + 1);
    return producer.opType === 'Mul' ? multiply(a, b) : divide(a, b);
  }
  return UNKNOWN;
}

function multiply(a: ShapeElement, b: ShapeElement): ShapeElement {
  if (a.kind === 'known' && b.kind === 'known') return { kind: 'known', value: a.value * b.value };
  if (a.kind === 'known' && b.kind === 'scaled')
    return { kind: 'scaled', factor: a.value * b.factor };
  if (a.kind === 'scaled' && b.kind === 'known')
    return { kind: 'scaled', factor: a.factor * b.value };
  return UNKNOWN;
}

function divide(a: ShapeElement, b: ShapeElement): ShapeElement {
  if (b.kind !== 'known' || b.value === 0) return UNKNOWN;
  // Shape arithmetic is on int64: division truncates.
  if (a.kind === 'known') return { kind: 'known', value: Math.trunc(a.value / b.value) };
  if (a.kind === 'scaled') return { kind: 'scaled', factor: a.factor / b.value };
  return UNKNOWN;
}
