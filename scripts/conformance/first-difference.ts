import type { Canonical } from './canonical-proto.js';

/** What the two sides of a comparison are called in messages ("original", "saved"). */
export interface Sides {
  readonly left: string;
  readonly right: string;
}

type CanonicalObject = { readonly [field: string]: Canonical };

/**
 * The first place where two canonical messages differ, as one line with a path such as
 * `graph.node[3 'conv1'].attribute[0 'pads'].ints[1]: 0 in original, 1 in saved`; undefined when
 * they are equal. Floats compare with Object.is: NaN equals NaN, -0 differs from 0.
 */
export function firstDifference(
  left: Canonical | undefined,
  right: Canonical | undefined,
  sides: Sides,
  path = 'model',
): string | undefined {
  if (left === undefined && right === undefined) return undefined;
  if (left === undefined || right === undefined) {
    return `${path}: ${describe(left)} in ${sides.left}, ${describe(right)} in ${sides.right}`;
  }
  if (left instanceof Uint8Array || right instanceof Uint8Array) {
    return bytesDifference(left, right, sides, path);
  }
  if (Array.isArray(left) || Array.isArray(right)) {
    return listDifference(left, right, sides, path);
  }
  if (typeof left === 'object' && typeof right === 'object') {
    return messageDifference(left as CanonicalObject, right as CanonicalObject, sides, path);
  }
  if (Object.is(left, right)) return undefined;
  return `${path}: ${describe(left)} in ${sides.left}, ${describe(right)} in ${sides.right}`;
}

function messageDifference(
  left: CanonicalObject,
  right: CanonicalObject,
  sides: Sides,
  path: string,
): string | undefined {
  const fields = new Set([...Object.keys(left), ...Object.keys(right)]);
  for (const field of fields) {
    const difference = firstDifference(left[field], right[field], sides, `${path}.${field}`);
    if (difference !== undefined) return difference;
  }
  return undefined;
}

function listDifference(
  left: Canonical,
  right: Canonical,
  sides: Sides,
  path: string,
): string | undefined {
  if (!Array.isArray(left) || !Array.isArray(right)) {
    return `${path}: ${describe(left)} in ${sides.left}, ${describe(right)} in ${sides.right}`;
  }
  const shared = Math.min(left.length, right.length);
  for (let i = 0; i < shared; i++) {
    const difference = firstDifference(left[i], right[i], sides, `${path}[${label(i, left[i])}]`);
    if (difference !== undefined) return difference;
  }
  if (left.length === right.length) return undefined;
  const longer = left.length > right.length ? left : right;
  return (
    `${path}: ${left.length} entries in ${sides.left}, ${right.length} in ${sides.right}` +
    ` (first unmatched: [${label(shared, longer[shared])}])`
  );
}

function bytesDifference(
  left: Canonical,
  right: Canonical,
  sides: Sides,
  path: string,
): string | undefined {
  if (!(left instanceof Uint8Array) || !(right instanceof Uint8Array)) {
    return `${path}: ${describe(left)} in ${sides.left}, ${describe(right)} in ${sides.right}`;
  }
  if (Buffer.compare(left, right) === 0) return undefined;
  let at = 0;
  while (at < left.byteLength && at < right.byteLength && left[at] === right[at]) at++;
  return (
    `${path}: bytes differ from byte ${at} ` +
    `(${left.byteLength} bytes in ${sides.left}, ${right.byteLength} in ${sides.right})`
  );
}

/** A list index with what identifies the entry: its name, op type or key. */
function label(index: number, entry: Canonical | undefined): string {
  if (entry === undefined || typeof entry !== 'object' || entry instanceof Uint8Array) {
    return String(index);
  }
  if (Array.isArray(entry)) return String(index);
  const fields = entry as CanonicalObject;
  for (const field of ['name', 'key', 'opType', 'domain']) {
    const value = fields[field];
    if (typeof value === 'string' && value !== '') return `${index} '${value}'`;
  }
  return String(index);
}

function describe(value: Canonical | undefined): string {
  if (value === undefined) return 'absent';
  if (value instanceof Uint8Array) return `${value.byteLength} bytes`;
  if (Array.isArray(value)) return `${value.length} entries`;
  if (typeof value === 'object') return 'a message';
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
