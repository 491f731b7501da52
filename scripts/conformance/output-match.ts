import { DataType, dataTypeName, type Tensor } from '@vit-opt/graph';

/** |actual − expected| ≤ atol + rtol·|expected|, as numpy.testing.assert_allclose. */
export interface Tolerance {
  readonly rtol: number;
  readonly atol: number;
}

/** What ONNX's backend test runner allows by default. */
export const BACKEND_TOLERANCE: Tolerance = { rtol: 1e-3, atol: 1e-7 };

export interface MatchOptions {
  readonly tolerance: Tolerance;
  /** False for models with random ops: only the element type and shape can be compared. */
  readonly compareValues: boolean;
}

/** The first output that does not match, as one line; undefined when all match. */
export function describeOutputsMismatch(
  actual: ReadonlyMap<string, Tensor>,
  expected: ReadonlyMap<string, Tensor>,
  options: MatchOptions,
): string | undefined {
  for (const [name, want] of expected) {
    const got = actual.get(name);
    if (got === undefined) return `output '${name}' is missing`;
    const mismatch = describeMismatch(got, want, options);
    if (mismatch !== undefined) return `output '${name}': ${mismatch}`;
  }
  return undefined;
}

/** How `actual` differs from `expected`, or undefined when it matches. */
export function describeMismatch(
  actual: Tensor,
  expected: Tensor,
  options: MatchOptions,
): string | undefined {
  if (actual.dtype !== expected.dtype) {
    return `${dataTypeName(actual.dtype)}, expected ${dataTypeName(expected.dtype)}`;
  }
  if (actual.dims.join(',') !== expected.dims.join(',')) {
    return `shape [${actual.dims.join(', ')}], expected [${expected.dims.join(', ')}]`;
  }
  if (!options.compareValues) return undefined;
  if (expected.dtype === DataType.STRING) {
    return stringsMismatch(actual.strings(), expected.strings());
  }
  const floats = floatValues(expected);
  if (floats !== undefined) return floatsMismatch(floatValues(actual)!, floats, options.tolerance);
  return exactMismatch(actual.bytes(), expected.bytes());
}

function floatsMismatch(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  { rtol, atol }: Tolerance,
): string | undefined {
  let count = 0;
  let first = -1;
  for (let i = 0; i < expected.length; i++) {
    if (isClose(actual[i]!, expected[i]!, rtol, atol)) continue;
    count += 1;
    if (first < 0) first = i;
  }
  if (count === 0) return undefined;
  return `${count} of ${expected.length} values differ (rtol ${rtol}, atol ${atol}); first at ${first}: ${actual[first]} vs expected ${expected[first]}`;
}

function isClose(actual: number, expected: number, rtol: number, atol: number): boolean {
  if (Number.isNaN(actual) || Number.isNaN(expected)) {
    return Number.isNaN(actual) && Number.isNaN(expected);
  }
  // An infinity matches only the same infinity: the tolerance would grow to let anything through.
  if (!Number.isFinite(actual) || !Number.isFinite(expected)) return actual === expected;
  return Math.abs(actual - expected) <= atol + rtol * Math.abs(expected);
}

function exactMismatch(actual: Uint8Array, expected: Uint8Array): string | undefined {
  if (Buffer.compare(actual, expected) === 0) return undefined;
  let at = 0;
  while (actual[at] === expected[at]) at++;
  return `values differ from byte ${at} of ${expected.byteLength}`;
}

function stringsMismatch(actual: Uint8Array[], expected: Uint8Array[]): string | undefined {
  const at = expected.findIndex((want, i) => Buffer.compare(want, actual[i]!) !== 0);
  if (at < 0) return undefined;
  const text = (bytes: Uint8Array): string => JSON.stringify(Buffer.from(bytes).toString('utf8'));
  return `string ${at} is ${text(actual[at]!)}, expected ${text(expected[at]!)}`;
}

/** The elements of a floating-point tensor as numbers; undefined for other element types. */
function floatValues(tensor: Tensor): ArrayLike<number> | undefined {
  switch (tensor.dtype) {
    case DataType.FLOAT:
    case DataType.DOUBLE:
      return tensor.data() as Float32Array | Float64Array;
    case DataType.FLOAT16:
      return Array.from(tensor.typed(DataType.FLOAT16), float16ToNumber);
    default:
      return undefined;
  }
}

function float16ToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : Number.NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}
