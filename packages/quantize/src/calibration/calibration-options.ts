import { VitOptError, type TensorProbe } from '@vit-opt/graph';
import { settingsForRecipe } from '../options/mode-options.js';
import { OptionReader } from '../options/option-readers.js';
import {
  LAYOUT_OPTION_KEYS,
  readLayoutOptions,
  type StaticLayoutOptions,
  type StaticLayoutSettings,
} from '../static/static-options.js';
import type { CalibrationMethod } from './activation-ranges.js';
import { EntropyCollector } from './entropy-collector.js';
import { MinMaxCollector } from './minmax-collector.js';
import { PercentileCollector } from './percentile-collector.js';
import type { RangeCollector } from './range-collector.js';

export interface CalibrationProgress {
  /** Batches run so far. */
  readonly batches: number;
  /** Samples (images) run so far: the batches' leading dimensions summed. */
  readonly samples: number;
  readonly elapsedMs: number;
}

export interface CalibrationOptions extends StaticLayoutOptions {
  /** How a range is chosen from the values seen (default 'minmax'). */
  method?: CalibrationMethod;
  /** minmax: move the range towards each batch's extremes by averagingConstant (default false). */
  movingAverage?: boolean;
  /** minmax with movingAverage: how far each batch moves the range (default 0.01, as onnxruntime). */
  averagingConstant?: number;
  /** percentile: the share of values kept inside the range, in percent (default 99.999). */
  percentile?: number;
  /** percentile: clip |x| at one threshold, giving a range symmetric around 0 (default false). */
  symmetric?: boolean;
  /** percentile and entropy: histogram bins on each side of 0 (default 2048). */
  histogramBins?: number;
  /** What runs the model to read its activations (e.g. @vit-opt/eval's createTensorProbe()). */
  probe: TensorProbe;
  /** Called after every batch. */
  onProgress?: (progress: CalibrationProgress) => void;
  /** Stops calibration between batches; calibrate then rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface CalibrationSettings {
  readonly layout: StaticLayoutSettings;
  readonly method: CalibrationMethod;
  readonly movingAverage: boolean;
  readonly averagingConstant: number;
  readonly percentile: number;
  readonly symmetric: boolean;
  readonly histogramBins: number;
  readonly probe: TensorProbe | undefined;
  readonly onProgress: ((progress: CalibrationProgress) => void) | undefined;
  readonly signal: AbortSignal | undefined;
}

export function normalizeCalibrationOptions(options: unknown): CalibrationSettings {
  const read = new OptionReader('calibrate', options, [
    ...LAYOUT_OPTION_KEYS,
    'method',
    'movingAverage',
    'averagingConstant',
    'percentile',
    'symmetric',
    'histogramBins',
    'probe',
    'onProgress',
    'signal',
  ]);
  const record = (options ?? {}) as Record<string, unknown>;
  const settings: CalibrationSettings = {
    layout: readLayoutOptions(read),
    method: read.oneOf<CalibrationMethod>('method', 'minmax', ['minmax', 'percentile', 'entropy']),
    movingAverage: read.boolean('movingAverage', false),
    averagingConstant: read.positiveNumber('averagingConstant', 0.01, 1),
    percentile: read.positiveNumber('percentile', 99.999, 100),
    symmetric: read.boolean('symmetric', false),
    histogramBins: read.integer('histogramBins', 2048, 128, 1 << 20),
    probe: probeOption(record.probe),
    onProgress: callback(record.onProgress),
    signal: abortSignal(record.signal),
  };
  if (settings.percentile <= 50) {
    throw invalid('percentile', `must be above 50 (the share of values kept, in percent), got ${settings.percentile}`);
  }
  return settings;
}

/** The collector one tensor gets. */
export function createCollector(settings: CalibrationSettings): RangeCollector {
  switch (settings.method) {
    case 'minmax':
      return new MinMaxCollector(settings.movingAverage ? settings.averagingConstant : undefined);
    case 'percentile':
      return new PercentileCollector(settings.histogramBins, settings.percentile, settings.symmetric);
    case 'entropy':
      return new EntropyCollector(settings.histogramBins);
  }
}

/** The settings that shaped the ranges, as JSON for the ranges file and the recipe. */
export function calibrationSettingsForRecord(settings: CalibrationSettings): Record<string, unknown> {
  const method: Record<string, unknown> =
    settings.method === 'minmax'
      ? { movingAverage: settings.movingAverage, ...(settings.movingAverage ? { averagingConstant: settings.averagingConstant } : {}) }
      : settings.method === 'percentile'
        ? { percentile: settings.percentile, symmetric: settings.symmetric, histogramBins: settings.histogramBins }
        : { histogramBins: settings.histogramBins };
  return { ...method, layout: settingsForRecipe(settings.layout) };
}

function callback(value: unknown): CalibrationSettings['onProgress'] {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw invalid('onProgress', 'must be a function');
  return value as CalibrationSettings['onProgress'];
}

function abortSignal(value: unknown): AbortSignal | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof AbortSignal)) throw invalid('signal', 'must be an AbortSignal');
  return value;
}

function invalid(key: string, problem: string): VitOptError {
  return new VitOptError('INVALID_ARGUMENT', `calibrate option '${key}' ${problem}`, { subject: key });
}

function probeOption(value: unknown): TensorProbe | undefined {
  if (value === undefined || typeof value === 'function') return value as TensorProbe | undefined;
  throw invalid('probe', `must be a function (a TensorProbe), got ${typeof value}`);
}
