import { readFile } from 'node:fs/promises';
import {
  VitOptError,
  describeFsError,
  stageFile,
  writeFileAtomic,
  type StagedFile,
} from '@vit-opt/graph';
import type { ActivationRanges, CalibrationMethod, TensorRange } from './activation-ranges.js';

const FORMAT = 'vit-opt.activation-ranges';
const VERSION = 1;
const METHODS: readonly CalibrationMethod[] = ['minmax', 'percentile', 'entropy'];

/** Writes the ranges as versioned JSON; a reader never sees a half-written file. */
export function saveRanges(path: string, ranges: ActivationRanges): void {
  writeFileAtomic(path, rangesFileText(ranges));
}

/**
 * saveRanges staged: the file is written beside `path` and takes its name only on commit, so that
 * a command can commit it together with its other outputs, or discard it.
 */
export function stageRanges(path: string, ranges: ActivationRanges): StagedFile {
  return stageFile(path, rangesFileText(ranges));
}

function rangesFileText(ranges: ActivationRanges): string {
  const document = {
    format: FORMAT,
    version: VERSION,
    method: ranges.method,
    sampleCount: ranges.sampleCount,
    settings: ranges.settings,
    tensors: ranges.tensors,
  };
  return `${JSON.stringify(document, null, 1)}\n`;
}

/** Reads a ranges file saveRanges wrote; anything else is refused with one line naming the file. */
export async function loadRanges(path: string): Promise<ActivationRanges> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'FILE_UNREADABLE';
    throw new VitOptError(code, `cannot read the ranges file (${describeFsError(error)})`, { subject: path, cause: error });
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw corrupt(path, `is not JSON (${(error as Error).message})`, error);
  }
  return parseRanges(document, path);
}

function parseRanges(document: unknown, path: string): ActivationRanges {
  if (!isRecord(document) || document.format !== FORMAT) {
    throw corrupt(path, `is not a vit-opt ranges file (no "format": "${FORMAT}")`);
  }
  if (document.version !== VERSION) {
    throw corrupt(path, `has version ${JSON.stringify(document.version)}; this vit-opt reads version ${VERSION}`);
  }
  const { method, sampleCount, settings, tensors } = document;
  if (typeof method !== 'string' || !METHODS.includes(method as CalibrationMethod)) {
    throw corrupt(path, `has method ${JSON.stringify(method)}, not one of ${METHODS.join(', ')}`);
  }
  if (typeof sampleCount !== 'number' || !Number.isInteger(sampleCount) || sampleCount < 1) {
    throw corrupt(path, 'has no positive integer "sampleCount"');
  }
  if (!isRecord(settings)) throw corrupt(path, 'has no "settings" object');
  if (!isRecord(tensors)) throw corrupt(path, 'has no "tensors" object');
  const ranges: [string, TensorRange][] = [];
  for (const [name, range] of Object.entries(tensors)) {
    if (!isRecord(range) || !isFiniteNumber(range.min) || !isFiniteNumber(range.max) || range.min > range.max) {
      throw corrupt(path, `has an invalid range for tensor '${name}' (expected finite "min" ≤ "max")`);
    }
    ranges.push([name, { min: range.min, max: range.max }]);
  }
  // fromEntries defines own properties, so a tensor named "__proto__" stays a tensor.
  return { method: method as CalibrationMethod, sampleCount, settings, tensors: Object.fromEntries(ranges) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function corrupt(path: string, problem: string, cause?: unknown): VitOptError {
  return new VitOptError('CORRUPT', `the ranges file ${problem}`, { subject: path, cause });
}
