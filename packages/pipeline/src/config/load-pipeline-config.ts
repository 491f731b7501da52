import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import type { PreprocessOverrides, ResampleFilter } from '@vit-opt/eval/data';
import { VARIANT_STEPS } from '../steps/index.js';
import { PipelineConfigError } from './config-error.js';
import { pipelineFileSchema, variantSchema } from './config-schema.js';
import { checkPipelineConfig } from './check-pipeline-config.js';
import type { PipelineConfig, VariantConfig } from './pipeline-config.js';
import { YamlSource } from './yaml-source.js';

type Path = (string | number)[];

/** The pipeline file as the schema lets it through. */
interface PipelineFile {
  model: string;
  preprocess?: {
    resize?: string | number;
    resample?: ResampleFilter;
    crop?: string;
    rescale?: string | number;
    mean?: [number, number, number];
    std?: [number, number, number];
    normalize?: boolean;
  };
  data: { validation: string; calibration?: string };
  eval?: { limit?: number; batch?: number; threads?: number };
  bench?: {
    runs?: number;
    warmup?: number;
    batch?: number | number[];
    threads?: number | number[];
  };
  report?: { title?: string };
  variants: ({ name: string; kind: string; from?: string } & Record<string, unknown>)[];
}

/**
 * Reads and checks a pipeline file (YAML). Every problem is a PipelineConfigError of one line
 * naming the file, the line, the key and what is wrong: YAML syntax, an unknown key, a wrong
 * type or value, a duplicate variant name, a missing model or data folder, a static variant
 * without calibration images. Paths in the file are relative to the file; the config returned
 * holds them relative to the working directory.
 */
export async function loadPipelineConfig(path: string): Promise<PipelineConfig> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const problem =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a folder, not a pipeline file'
          : `cannot read the file (${code})`;
    throw new PipelineConfigError(path, null, [], problem, error);
  }
  return parsePipelineConfig(text, path);
}

/** Parses pipeline YAML `text`, `file` being where it came from (errors name it; paths are relative to it). */
export async function parsePipelineConfig(text: string, file: string): Promise<PipelineConfig> {
  const source = new YamlSource(file, text);
  const fail = (path: Path, problem: string): never => {
    throw new PipelineConfigError(file, source.lineOf(path), path, problem);
  };
  if (source.value === null || source.value === undefined) fail([], 'the file is empty');
  check(validators().file, source.value, fail);
  const value = source.value as PipelineFile;
  value.variants.forEach((variant, index) => {
    check(validators().variant(variant.kind), variant, (path, problem) =>
      fail(['variants', index, ...path], problem),
    );
  });

  const base = dirname(file);
  const at = (p: string): string => relative(process.cwd(), resolve(base, p)) || '.';
  const model = modelFile(at(value.model), (problem) => fail(['model'], problem));
  const validation = at(value.data.validation);
  if (!existsSync(validation))
    fail(['data', 'validation'], `no such folder or manifest: ${validation}`);
  const calibration = value.data.calibration === undefined ? undefined : at(value.data.calibration);
  if (calibration !== undefined && !isFolder(calibration)) {
    fail(['data', 'calibration'], `no such folder: ${calibration}`);
  }
  const preprocess =
    value.preprocess === undefined
      ? undefined
      : preprocessOverrides(value.preprocess, (key, problem) => fail(['preprocess', key], problem));
  const config: PipelineConfig = {
    source: file,
    model,
    ...(preprocess === undefined ? {} : { preprocess }),
    data: { validation, ...(calibration === undefined ? {} : { calibration }) },
    ...(value.eval === undefined
      ? {}
      : {
          eval: withoutUndefined({
            limit: value.eval.limit,
            batchSize: value.eval.batch,
            threads: value.eval.threads,
          }),
        }),
    ...(value.bench === undefined
      ? {}
      : {
          bench: withoutUndefined({
            runs: value.bench.runs,
            warmupRuns: value.bench.warmup,
            batchSizes: list(value.bench.batch),
            threads: list(value.bench.threads),
          }),
        }),
    ...(value.report === undefined ? {} : { report: value.report }),
    variants: value.variants.map(toVariantConfig),
  };
  // The rules across keys, shared with configs made in code; here their errors get a line.
  try {
    await checkPipelineConfig(config);
  } catch (error) {
    if (error instanceof PipelineConfigError && error.line === null) {
      fail([...error.path], error.problem);
    }
    throw error;
  }
  return config;
}

function toVariantConfig(variant: PipelineFile['variants'][number]): VariantConfig {
  const { name, kind, from, ...options } = variant;
  return { name, kind, ...(from === undefined ? {} : { from }), options };
}

/** The model file a `model:` key names: a .onnx file, or a folder holding model.onnx. */
function modelFile(path: string, fail: (problem: string) => never): string {
  if (!existsSync(path)) return fail(`no such file or folder: ${path}`);
  if (!isFolder(path)) return path;
  const inside = join(path, 'model.onnx');
  if (!existsSync(inside)) return fail(`the folder ${path} holds no model.onnx`);
  return inside;
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The file's preprocess keys (the names of `vit-opt eval`'s flags) as evaluate()'s overrides. */
function preprocessOverrides(
  p: NonNullable<PipelineFile['preprocess']>,
  fail: (key: string, problem: string) => never,
): PreprocessOverrides {
  const size = (text: string) => {
    const [height, width] = text.split('x').map(Number) as [number, number];
    return { height, width };
  };
  const resize =
    p.resize === undefined
      ? undefined
      : p.resize === 'none'
        ? null
        : typeof p.resize === 'number'
          ? { shortestEdge: p.resize }
          : size(p.resize);
  const crop = p.crop === undefined ? undefined : p.crop === 'none' ? null : size(p.crop);
  const rescale =
    p.rescale === undefined
      ? undefined
      : p.rescale === 'none'
        ? null
        : typeof p.rescale === 'number'
          ? p.rescale
          : fraction(p.rescale);
  if ((p.mean === undefined) !== (p.std === undefined)) {
    fail(
      p.mean === undefined ? 'std' : 'mean',
      'mean and std go together: give both, or normalize: false',
    );
  }
  if (p.normalize === false && p.mean !== undefined)
    fail('normalize', 'normalize: false turns normalization off: drop mean and std');
  if (resize === null && p.resample !== undefined)
    fail('resample', 'resample is the filter of resize, and resize is none');
  if (rescale !== undefined && rescale !== null && !(rescale > 0 && Number.isFinite(rescale)))
    fail('rescale', 'must be positive');
  if (crop === null && (resize === null || (resize !== undefined && 'shortestEdge' in resize))) {
    fail(
      'crop',
      `crop: none with resize: ${resize === null ? 'none' : 'N'} leaves images of different sizes: give crop HxW or resize HxW`,
    );
  }
  return withoutUndefined({
    size: resize,
    resample: p.resample,
    cropSize: crop,
    rescaleFactor: rescale,
    normalize:
      p.normalize === false
        ? null
        : p.mean === undefined
          ? undefined
          : { mean: p.mean, std: p.std! },
  }) as PreprocessOverrides;
}

function fraction(text: string): number {
  const [a, b] = text.split('/').map(Number) as [number, number | undefined];
  return b === undefined ? a : a / b;
}

function list(value: number | number[] | undefined): number[] | undefined {
  return value === undefined ? undefined : Array.isArray(value) ? value : [value];
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

// Schema validation, with ajv's first error said as one line.

interface Validators {
  readonly file: ValidateFunction;
  variant(kind: string): ValidateFunction;
}

let compiled: Validators | undefined;

function validators(): Validators {
  if (compiled !== undefined) return compiled;
  const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, verbose: true });
  const file = ajv.compile(pipelineFileSchema(VARIANT_STEPS));
  const variants = new Map(
    VARIANT_STEPS.map((step) => [step.kind, ajv.compile(variantSchema(step))]),
  );
  compiled = {
    file,
    // The file's schema let only known kinds through.
    variant: (kind) => variants.get(kind)!,
  };
  return compiled;
}

function check(
  validate: ValidateFunction,
  value: unknown,
  fail: (path: Path, problem: string) => never,
): void {
  if (validate(value)) return;
  const errors = validate.errors ?? [];
  // Of the errors of an anyOf's branches, the anyOf's own says what was wanted.
  const error = errors.find((e) => e.keyword === 'anyOf') ?? errors[0];
  if (error === undefined) fail([], 'does not match the pipeline schema');
  const path = pointerPath(error!.instancePath);
  const { key, problem } = describe(error!);
  fail(key === undefined ? path : [...path, key], problem);
}

function pointerPath(pointer: string): Path {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

/** What is wrong, and the key below the error's path it is about (an unknown or missing key). */
function describe(error: ErrorObject): { key?: string; problem: string } {
  const params = error.params as Record<string, unknown>;
  const schema = (error.parentSchema ?? {}) as { description?: string; properties?: object };
  const got = ` (got ${shown(error.data)})`;
  switch (error.keyword) {
    case 'additionalProperties': {
      const known = Object.keys(schema.properties ?? {});
      return {
        key: String(params.additionalProperty),
        problem: `unknown key; the keys here are ${known.join(', ')}`,
      };
    }
    case 'required':
      return { key: String(params.missingProperty), problem: 'missing' };
    case 'type':
      return { problem: `must be ${article(String(params.type))}${got}` };
    case 'enum':
      return {
        problem: `must be one of ${(params.allowedValues as unknown[]).map((v) => String(v)).join(', ')}${got}`,
      };
    case 'pattern':
    case 'anyOf':
      return { problem: `must be ${schema.description ?? 'something else'}${got}` };
    case 'minItems':
      return {
        problem: `must hold at least ${String(params.limit)} ${Number(params.limit) === 1 ? 'item' : 'items'}`,
      };
    case 'maxItems':
      return { problem: `must hold at most ${String(params.limit)} items` };
    case 'uniqueItems':
      return { problem: 'must not repeat an item' };
    default:
      return { problem: `${error.message ?? 'is not valid'}${got}` };
  }
}

function article(types: string): string {
  const names: Record<string, string> = {
    object: 'a map of keys',
    array: 'a list',
    string: 'a string',
    integer: 'an integer',
    number: 'a number',
    boolean: 'true or false',
    null: 'null',
  };
  return types
    .split(',')
    .map((type) => names[type] ?? type)
    .join(' or ');
}

function shown(value: unknown): string {
  if (value === null) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 37)}…` : text;
}
