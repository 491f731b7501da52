import { InvalidArgumentError, Option, type Command } from 'commander';
import { VitOptError } from '@vit-opt/graph';
import {
  RESAMPLE_FILTERS,
  findPreprocessorConfig,
  type ImageSize,
  type PreprocessOverrides,
  type ResampleFilter,
  type ResizeTarget,
} from '@vit-opt/eval/data';

type Triple = readonly [number, number, number];

/**
 * The value that turns a step off. Parsers return it rather than null, which commander would
 * replace with an empty string; preprocessOverrides makes it the library's null.
 */
const OFF = 'none';
type Off = typeof OFF;

/** The preprocessing flags of `vit-opt eval` and `quantize` as commander parses them: absent when not given. */
export interface PreprocessFlags {
  resize?: ResizeTarget | Off;
  resample?: ResampleFilter;
  crop?: ImageSize | Off;
  rescale?: number | Off;
  mean?: Triple;
  std?: Triple;
  /** false with --no-normalize. */
  normalize: boolean;
}

/**
 * What a model without a preprocessor_config.json gets for the steps no flag gives: the
 * defaults of ViTImageProcessor, which evaluate() reads an empty config as.
 */
export const STAND_IN_HELP =
  'Without a preprocessor_config.json beside the model, --resize is required (with --crop HxW when ' +
  'it is N) and the other steps are ViTImageProcessor’s defaults: bilinear, no crop, rescale 1/255, ' +
  'mean and std 0.5.';

/**
 * The preprocessing flags, under `heading` in the help: each replaces one step of the model's
 * preprocessor_config.json. The commands that read images add them all.
 */
export function preprocessOptions(heading: string): Option[] {
  const options = [
    new Option(
      '--resize <HxW|N|none>',
      'resize to H×W, or the shortest edge to N keeping the aspect ratio; none skips resizing',
    ).argParser(resizeTarget),
    new Option('--resample <filter>', 'the Pillow filter of --resize').choices(RESAMPLE_FILTERS),
    new Option(
      '--crop <HxW|none>',
      'center crop to H×W (zero padding where the image is smaller); none skips cropping',
    ).argParser(cropSize),
    new Option(
      '--rescale <factor|none>',
      'multiply the 0-255 pixel values by factor, a number or a fraction (1/255); none keeps 0-255',
    ).argParser(rescaleFactor),
    new Option(
      '--mean <r,g,b>',
      'normalize each channel to (x − mean) / std; needs --std',
    ).argParser(meanTriple),
    new Option('--std <r,g,b>', 'the std of --mean (positive numbers)').argParser(stdTriple),
    new Option('--no-normalize', 'skip normalization'),
  ];
  return options.map((option) => option.helpGroup(heading));
}

/** The first preprocessing flag on the command line (its long name), if any. */
export function givenPreprocessFlag(command: Command): string | undefined {
  const names = new Set(preprocessOptions('').map((option) => option.attributeName()));
  return command.options.find(
    (option) =>
      names.has(option.attributeName()) &&
      command.getOptionValueSource(option.attributeName()) === 'cli',
  )?.long;
}

/**
 * The overrides evaluate() takes, after the rules between the flags that commander cannot
 * express; a broken rule is a usage error (exit 2).
 */
export function preprocessOverrides(command: Command, flags: PreprocessFlags): PreprocessOverrides {
  const usage = (message: string): never => command.error(`error: ${message}`);
  const resize = flags.resize === OFF ? null : flags.resize;
  const crop = flags.crop === OFF ? null : flags.crop;
  const { mean, std } = flags;
  if ((mean === undefined) !== (std === undefined)) {
    usage('--mean and --std go together: give both, or --no-normalize');
  }
  if (!flags.normalize && mean !== undefined) {
    usage('--no-normalize turns normalization off: drop --mean and --std');
  }
  if (resize === null && flags.resample !== undefined) {
    usage('--resample is the filter of --resize, and --resize is none');
  }
  if (crop === null && (resize === null || (resize !== undefined && 'shortestEdge' in resize))) {
    usage(
      `--crop none with --resize ${resize === null ? 'none' : 'N'} leaves images of different sizes: ` +
        'give --crop HxW or --resize HxW',
    );
  }
  return {
    ...(resize === undefined ? {} : { size: resize }),
    ...(flags.resample === undefined ? {} : { resample: flags.resample }),
    ...(crop === undefined ? {} : { cropSize: crop }),
    ...(flags.rescale === undefined
      ? {}
      : { rescaleFactor: flags.rescale === OFF ? null : flags.rescale }),
    ...(mean === undefined || std === undefined ? {} : { normalize: { mean, std } }),
    ...(flags.normalize ? {} : { normalize: null }),
  };
}

/**
 * A model without a preprocessor_config.json needs flags that give every image one size;
 * said here with the flags' names rather than by evaluate() with its options'.
 */
export async function checkStandInPreprocessing(
  modelPath: string,
  overrides: PreprocessOverrides,
): Promise<void> {
  const { size, cropSize } = overrides;
  const fixedSize = size !== undefined && size !== null && !('shortestEdge' in size);
  const cropped = cropSize !== undefined && cropSize !== null;
  if (size !== undefined && (fixedSize || cropped)) return;
  if ((await findPreprocessorConfig(modelPath)) !== null) return;
  throw missingPreprocessing(modelPath);
}

/** The model has no preprocessor_config.json, and the flags do not give every image one size. */
export function missingPreprocessing(modelPath: string, cause?: unknown): VitOptError {
  return new VitOptError(
    'INVALID_ARGUMENT',
    'no preprocessor_config.json beside the model: give the preprocessing as flags, at least ' +
      '--resize HxW (or --resize N with --crop HxW)',
    { subject: modelPath, cause },
  );
}

// commander parsers: a bad value becomes a usage error (exit 2) naming the flag.

/**
 * The largest side a resize or crop may ask for (a larger one is refused like any bad value): far
 * beyond any model's input, and small enough that a batch of it fits in memory.
 */
const MAX_SIDE = 16384;

export function resizeTarget(value: string): ResizeTarget | Off {
  if (value === OFF) return OFF;
  const size = parseImageSize(value);
  if (size !== undefined) return size;
  const edge = parseSide(value);
  if (edge !== undefined) return { shortestEdge: edge };
  throw new InvalidArgumentError(
    'must be HxW (e.g. 224x224), N for the shortest edge (e.g. 256), or none',
  );
}

export function cropSize(value: string): ImageSize | Off {
  if (value === OFF) return OFF;
  const size = parseImageSize(value);
  if (size === undefined) {
    throw new InvalidArgumentError('must be HxW (e.g. 224x224) or none');
  }
  return size;
}

export function rescaleFactor(value: string): number | Off {
  if (value === OFF) return OFF;
  const parts = value.split('/').map(parseNumber);
  const factor =
    parts.length > 2 || parts.includes(undefined)
      ? Number.NaN
      : (parts[0] as number) / (parts[1] ?? 1);
  if (!Number.isFinite(factor) || factor <= 0) {
    throw new InvalidArgumentError('must be a positive number or fraction (e.g. 1/255), or none');
  }
  return factor;
}

export function meanTriple(value: string): Triple {
  const triple = parseTriple(value);
  if (triple === undefined) throw new InvalidArgumentError('must be 3 numbers, r,g,b');
  return triple;
}

export function stdTriple(value: string): Triple {
  const triple = parseTriple(value);
  if (triple === undefined || triple.some((x) => x <= 0)) {
    throw new InvalidArgumentError('must be 3 positive numbers, r,g,b');
  }
  return triple;
}

function parseImageSize(value: string): ImageSize | undefined {
  const match = /^(\d+)x(\d+)$/.exec(value);
  const height = parseSide(match?.[1] ?? '');
  const width = parseSide(match?.[2] ?? '');
  return height === undefined || width === undefined ? undefined : { height, width };
}

/** A side in pixels: decimal digits, 1 … MAX_SIDE. */
function parseSide(text: string): number | undefined {
  const n = /^\d{1,6}$/.test(text) ? Number(text) : Number.NaN;
  return n >= 1 && n <= MAX_SIDE ? n : undefined;
}

function parseTriple(value: string): Triple | undefined {
  const numbers = value.split(',').map(parseNumber);
  if (numbers.length !== 3 || numbers.some((x) => x === undefined)) return undefined;
  return numbers as unknown as Triple;
}

/** A decimal number (1e-5 too), as finiteNumber takes it: not hex, not padded, not Infinity. */
function parseNumber(text: string): number | undefined {
  const n = /^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(text) ? Number(text) : NaN;
  return Number.isFinite(n) ? n : undefined;
}
