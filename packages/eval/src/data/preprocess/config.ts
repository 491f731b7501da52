import { VitOptError } from '@vit-opt/graph';
import { PIL_RESAMPLE_CODES, RESAMPLE_FILTERS, type ResampleFilter } from './resample-filters.js';

export interface ImageSize {
  readonly height: number;
  readonly width: number;
}

/** Resize to exactly `height` x `width`, or so the shorter side is `shortestEdge` (aspect kept). */
export type ResizeTarget = ImageSize | { readonly shortestEdge: number };

export interface ChannelNormalization {
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
}

/**
 * What Hugging Face's image processor does to a decoded RGB image, in its order: resize with
 * Pillow's `resample` filter, center crop (zero padding where the crop is larger), multiply by
 * `rescaleFactor`, then `(x - mean) / std` per channel. `null` turns a step off.
 */
export interface PreprocessConfig {
  readonly size: ResizeTarget | null;
  readonly resample: ResampleFilter;
  readonly cropSize: ImageSize | null;
  readonly rescaleFactor: number | null;
  readonly normalize: ChannelNormalization | null;
}

/** Replaces whole fields of the config read from a file (the CLI fills this from flags). */
export type PreprocessOverrides = Partial<PreprocessConfig>;

const HALF: ChannelNormalization = { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] };
const OPENAI_CLIP: ChannelNormalization = {
  mean: [0.48145466, 0.4578275, 0.40821073],
  std: [0.26862954, 0.26130258, 0.27577711],
};

/**
 * The processor classes whose steps are the ones above, with the defaults their constructors
 * use for fields a config leaves out. `intSizeIsShortestEdge` is how each reads a legacy integer
 * `size` (transformers' `get_size_dict(size, default_to_square=...)`). The torchvision-based
 * "Fast" variants take the same config but resize differently; we always resize like Pillow.
 */
interface ProcessorFamily {
  readonly size: ResizeTarget;
  readonly resample: ResampleFilter;
  /** null: the class has no center-crop step, so HF ignores do_center_crop and crop_size. */
  readonly cropSize: ImageSize | null;
  readonly normalize: ChannelNormalization;
  readonly intSizeIsShortestEdge: boolean;
}

const VIT: ProcessorFamily = {
  size: { height: 224, width: 224 },
  resample: 'bilinear',
  cropSize: null,
  normalize: HALF,
  intSizeIsShortestEdge: false,
};
const DEIT: ProcessorFamily = {
  size: { height: 256, width: 256 },
  resample: 'bicubic',
  cropSize: { height: 224, width: 224 },
  normalize: HALF,
  intSizeIsShortestEdge: false,
};
const BIT: ProcessorFamily = {
  size: { shortestEdge: 224 },
  resample: 'bicubic',
  cropSize: { height: 224, width: 224 },
  normalize: OPENAI_CLIP,
  intSizeIsShortestEdge: true,
};

const FAMILIES: Readonly<Record<string, ProcessorFamily>> = {
  ViTImageProcessor: VIT,
  ViTFeatureExtractor: VIT,
  DeiTImageProcessor: DEIT,
  DeiTFeatureExtractor: DEIT,
  BitImageProcessor: BIT,
  CLIPImageProcessor: BIT,
  CLIPFeatureExtractor: BIT,
};

/**
 * Reads a parsed `preprocessor_config.json` (a ViT, DeiT, BiT/DINOv2 or CLIP image processor)
 * into a PreprocessConfig, then applies `overrides`. A config that names no processor class is
 * read as ViTImageProcessor. `source` (the file) is what errors about the file's values name.
 */
export function resolvePreprocessConfig(
  hfConfig: unknown,
  options: { source?: string; overrides?: PreprocessOverrides } = {},
): PreprocessConfig {
  const source = options.source ?? 'preprocessor_config.json';
  if (!isPlainObject(hfConfig)) {
    throw new VitOptError('INVALID_ARGUMENT', 'a preprocessor config must be a JSON object', {
      subject: source,
    });
  }
  const fields = new ConfigFields(hfConfig, source);
  const fromFile = readProcessorConfig(fields, processorFamily(fields));
  return { ...fromFile, ...validateOverrides(options.overrides ?? {}) };
}

function processorFamily(fields: ConfigFields): ProcessorFamily {
  const processorType =
    fields.optional('image_processor_type', 'a string', asString) ??
    fields.optional('feature_extractor_type', 'a string', asString);
  if (processorType === undefined) return VIT;
  const family = FAMILIES[processorType.replace(/Fast$/, '')];
  if (family === undefined) {
    const supported = Object.keys(FAMILIES).join(', ');
    throw new VitOptError(
      'UNSUPPORTED',
      `image processor "${processorType}" is not supported (supported: ${supported})`,
      { subject: fields.source },
    );
  }
  return family;
}

function readProcessorConfig(fields: ConfigFields, family: ProcessorFamily): PreprocessConfig {
  // Read for validation only: every image becomes RGB, since HF cannot normalize anything else
  // with a three-channel mean and std.
  fields.optional('do_convert_rgb', 'true or false', asBoolean);

  const doResize = fields.optional('do_resize', 'true or false', asBoolean) ?? true;
  const size = fields.optional('size', SIZE_FORMS, (value) =>
    asResizeTarget(value, family.intSizeIsShortestEdge),
  );
  const resample = fields.optional('resample', 'a Pillow resampling code 0-5', asPilFilter);
  const doRescale = fields.optional('do_rescale', 'true or false', asBoolean) ?? true;
  const rescaleFactor = fields.optional('rescale_factor', 'a positive number', asPositiveNumber);
  const doNormalize = fields.optional('do_normalize', 'true or false', asBoolean) ?? true;
  const mean = fields.optional(
    'image_mean',
    'a number or 3 numbers',
    asChannelTriple(asFiniteNumber),
  );
  const std = fields.optional(
    'image_std',
    'a positive number or 3 of them',
    asChannelTriple(asPositiveNumber),
  );

  let cropSize: ImageSize | null = null;
  if (family.cropSize !== null) {
    const doCenterCrop = fields.optional('do_center_crop', 'true or false', asBoolean) ?? true;
    const crop = fields.optional('crop_size', CROP_SIZE_FORMS, asCropSize) ?? family.cropSize;
    cropSize = doCenterCrop ? crop : null;
  }

  return {
    size: doResize ? (size ?? family.size) : null,
    resample: resample ?? family.resample,
    cropSize,
    rescaleFactor: doRescale ? (rescaleFactor ?? 1 / 255) : null,
    normalize: doNormalize
      ? { mean: mean ?? family.normalize.mean, std: std ?? family.normalize.std }
      : null,
  };
}

const SIZE_FORMS = '{"height", "width"}, {"shortest_edge"} or an integer (positive integers)';
const CROP_SIZE_FORMS = '{"height", "width"} or an integer (positive integers)';

function asResizeTarget(value: unknown, intIsShortestEdge: boolean): ResizeTarget | undefined {
  if (isPositiveInteger(value)) {
    return intIsShortestEdge ? { shortestEdge: value } : { height: value, width: value };
  }
  if (!isPlainObject(value)) return undefined;
  const keys = Object.keys(value).sort().join(',');
  if (keys === 'shortest_edge' && isPositiveInteger(value.shortest_edge)) {
    return { shortestEdge: value.shortest_edge };
  }
  return keys === 'height,width' ? asImageSize(value) : undefined;
}

function asCropSize(value: unknown): ImageSize | undefined {
  if (isPositiveInteger(value)) return { height: value, width: value };
  if (!isPlainObject(value) || Object.keys(value).sort().join(',') !== 'height,width')
    return undefined;
  return asImageSize(value);
}

function asImageSize(value: Record<string, unknown>): ImageSize | undefined {
  const { height, width } = value;
  return isPositiveInteger(height) && isPositiveInteger(width) ? { height, width } : undefined;
}

/** HF accepts one number for all channels or one per channel. */
function asChannelTriple(asChannel: (value: unknown) => number | undefined) {
  return (value: unknown): readonly [number, number, number] | undefined => {
    const single = asChannel(value);
    if (single !== undefined) return [single, single, single];
    if (!Array.isArray(value) || value.length !== 3) return undefined;
    const [r, g, b] = value.map(asChannel);
    return r === undefined || g === undefined || b === undefined ? undefined : [r, g, b];
  };
}

/** Overrides come from code or flags, not a file: errors name the override that is wrong. */
function validateOverrides(overrides: PreprocessOverrides): PreprocessOverrides {
  const checked: { -readonly [K in keyof PreprocessConfig]?: PreprocessConfig[K] } = {};
  const check = <K extends keyof PreprocessConfig>(
    key: K,
    expected: string,
    isValid: (value: NonNullable<PreprocessConfig[K]>) => boolean,
  ): void => {
    const value = overrides[key];
    if (value === undefined) return;
    if (value !== null && !isValid(value as NonNullable<PreprocessConfig[K]>)) {
      const message = `${key} must be ${expected}; got ${describe(value)}`;
      throw new VitOptError('INVALID_ARGUMENT', message, { subject: key });
    }
    checked[key] = value;
  };
  check('size', '{ height, width } or { shortestEdge } (positive integers), or null', (size) =>
    'shortestEdge' in size ? isPositiveInteger(size.shortestEdge) : isImageSize(size),
  );
  check('resample', `one of ${RESAMPLE_FILTERS.join(', ')}`, (filter) =>
    RESAMPLE_FILTERS.includes(filter),
  );
  check('cropSize', '{ height, width } (positive integers), or null', isImageSize);
  check(
    'rescaleFactor',
    'a positive number, or null',
    (factor) => asPositiveNumber(factor) !== undefined,
  );
  check(
    'normalize',
    '{ mean, std } (3 numbers each, std positive), or null',
    ({ mean, std }) => isTriple(mean, asFiniteNumber) && isTriple(std, asPositiveNumber),
  );
  return checked;
}

function isTriple(value: unknown, asChannel: (value: unknown) => number | undefined): boolean {
  return (
    Array.isArray(value) && value.length === 3 && value.every((v) => asChannel(v) !== undefined)
  );
}

function isImageSize(value: unknown): boolean {
  return isPlainObject(value) && isPositiveInteger(value.height) && isPositiveInteger(value.width);
}

/** Typed, validated access to the fields of one config file; errors name the field and file. */
class ConfigFields {
  readonly #values: Record<string, unknown>;
  readonly source: string;

  constructor(values: Record<string, unknown>, source: string) {
    this.#values = values;
    this.source = source;
  }

  /**
   * The field as `parse` reads it (undefined from `parse` means invalid); undefined when the
   * field is absent or null, which HF treats as "use the default".
   */
  optional<T>(
    key: string,
    expected: string,
    parse: (value: unknown) => T | undefined,
  ): T | undefined {
    const value = this.#values[key];
    if (value === undefined || value === null) return undefined;
    const parsed = parse(value);
    if (parsed === undefined) {
      throw new VitOptError(
        'INVALID_ARGUMENT',
        `"${key}" must be ${expected}; got ${describe(value)}`,
        {
          subject: this.source,
        },
      );
    }
    return parsed;
  }
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function asBoolean(value: unknown): boolean | undefined {
  return typeof value === 'boolean' ? value : undefined;
}

function asFiniteNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function asPositiveNumber(value: unknown): number | undefined {
  const number = asFiniteNumber(value);
  return number !== undefined && number > 0 ? number : undefined;
}

function asPilFilter(value: unknown): ResampleFilter | undefined {
  return typeof value === 'number' ? PIL_RESAMPLE_CODES[value] : undefined;
}

function isPositiveInteger(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) > 0;
}
