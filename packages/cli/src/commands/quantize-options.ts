import { InvalidArgumentError, type Command } from 'commander';
import type {
  CalibrationMethod,
  DynamicQuantizationOptions,
  Float16Options,
  Int4BlockSize,
  Int4Options,
  QuantizationTarget,
  QuantizedModelFormat,
  RecipeMode,
  StaticLayoutOptions,
  StaticOpType,
  StaticQuantizationOptions,
} from '@vit-opt/quantize';
import { givenPreprocessFlag, type PreprocessFlags } from './preprocess-options.js';

/** The flags of `vit-opt quantize` as commander parses them: absent when not given. */
export interface QuantizeFlags extends PreprocessFlags {
  output: string;
  mode: RecipeMode;
  /** Check that onnxruntime loads the quantized model before writing it (--no-runtime-check: off). */
  runtimeCheck: boolean;
  calib?: string;
  ranges?: string;
  saveRanges?: string;
  calibMethod?: CalibrationMethod;
  percentile?: number;
  calibLimit?: number;
  format?: QuantizedModelFormat;
  activationType?: 'u8' | 's8';
  target?: QuantizationTarget;
  weightType?: 'u8' | 's8';
  opTypes?: StaticOpType[];
  includeNodes?: RegExp[];
  excludeNodes?: RegExp[];
  perChannel?: true;
  perTensor?: true;
  reduceRange?: true;
  asymmetric?: true;
  blockSize?: '32' | '64' | '128';
  fp16Io?: true;
  fuseTransformer?: true;
  report?: string;
  json: boolean;
}

type FlagKey = keyof QuantizeFlags;

export const MODES: readonly RecipeMode[] = ['dynamic', 'static', 'fp16', 'int4'];
export const OP_TYPES: readonly StaticOpType[] = ['MatMul', 'Gemm', 'Conv'];

/**
 * The modes each mode-specific flag means something for; elsewhere it is a usage error. --calib
 * and --report apply to every mode: in the others than static, --calib only supplies the images
 * --report compares on.
 */
const FLAG_MODES: Partial<Record<FlagKey, readonly RecipeMode[]>> = {
  ranges: ['static'],
  saveRanges: ['static'],
  calibMethod: ['static'],
  percentile: ['static'],
  calibLimit: ['static'],
  format: ['static'],
  activationType: ['static'],
  target: ['dynamic', 'static'],
  weightType: ['dynamic', 'static'],
  perChannel: ['dynamic', 'static'],
  perTensor: ['dynamic', 'static'],
  reduceRange: ['dynamic', 'static'],
  opTypes: ['dynamic', 'static', 'int4'],
  includeNodes: ['dynamic', 'static', 'int4'],
  asymmetric: ['dynamic', 'int4'],
  blockSize: ['int4'],
  fp16Io: ['fp16'],
  fuseTransformer: ['dynamic'],
};

/** Flags that shape a calibration run, meaningless when the ranges come from --ranges. */
const CALIBRATION_FLAGS: readonly FlagKey[] = [
  'calibMethod',
  'percentile',
  'calibLimit',
  'saveRanges',
];

/**
 * The library option keys each flag sets. A library error about one of these options (say
 * --percentile 40, or --op-types Conv for int4) becomes a usage error naming the flag.
 */
const FLAG_OF_OPTION: Readonly<Record<string, FlagKey>> = {
  method: 'calibMethod',
  percentile: 'percentile',
  format: 'format',
  activationType: 'activationType',
  target: 'target',
  weightType: 'weightType',
  opTypes: 'opTypes',
  includeNodes: 'includeNodes',
  excludeNodes: 'excludeNodes',
  nodeBlockList: 'excludeNodes',
  perChannel: 'perChannel',
  reduceRange: 'reduceRange',
  weightSymmetric: 'asymmetric',
  symmetric: 'asymmetric',
  blockSize: 'blockSize',
  keepIoTypes: 'fp16Io',
};

/** commander parser for --op-types: a comma-separated list of op types. */
export function opTypeList(value: string): StaticOpType[] {
  const names = value.split(',').map((name) => name.trim());
  const unknown = names.find((name) => !OP_TYPES.includes(name as StaticOpType));
  if (unknown !== undefined) {
    throw new InvalidArgumentError(`may hold only ${OP_TYPES.join(', ')}, comma-separated`);
  }
  return names as StaticOpType[];
}

/**
 * The rules between flags that commander cannot express; a broken rule is a usage error (exit 2)
 * before any work starts.
 */
export function checkFlagCombinations(command: Command, flags: QuantizeFlags): void {
  const given = (key: FlagKey): boolean => command.getOptionValueSource(key) === 'cli';
  const usage = (message: string): never => command.error(`error: ${message}`);
  for (const [key, modes] of Object.entries(FLAG_MODES) as [FlagKey, RecipeMode[]][]) {
    if (given(key) && !modes.includes(flags.mode)) {
      usage(`${flagName(command, key)} applies to --mode ${modes.join(' or ')}, not ${flags.mode}`);
    }
  }
  if (flags.report !== undefined && flags.calib === undefined) {
    usage('--report compares activations on images: give --calib <dir> too');
  }
  // Where nothing is calibrated, --calib is there for the report alone.
  const imagesOnlyFor =
    flags.mode !== 'static'
      ? `--mode ${flags.mode}`
      : flags.ranges !== undefined
        ? '--ranges'
        : undefined;
  if (flags.calib !== undefined && flags.report === undefined && imagesOnlyFor !== undefined) {
    usage(
      `--calib with ${imagesOnlyFor} only supplies the images --report compares on: add --report, or drop --calib`,
    );
  }
  const preprocessFlag = givenPreprocessFlag(command);
  if (preprocessFlag !== undefined && flags.calib === undefined) {
    usage(
      `${preprocessFlag} preprocesses the images of --calib; --mode ${flags.mode} without --calib reads none`,
    );
  }
  if (flags.mode !== 'static') return;
  if (flags.calib === undefined && flags.ranges === undefined) {
    usage(
      '--mode static needs activation ranges: give --calib <dir> (images to calibrate on) or --ranges <file> (saved by --save-ranges)',
    );
  }
  if (flags.ranges !== undefined) {
    const calibrationFlag = CALIBRATION_FLAGS.find(given);
    if (calibrationFlag !== undefined) {
      usage(
        `${flagName(command, calibrationFlag)} shapes a calibration; --ranges gives ranges already calibrated`,
      );
    }
  }
  if (flags.percentile !== undefined && flags.calibMethod !== 'percentile') {
    usage('--percentile applies to --calib-method percentile');
  }
}

/** The flag that sets library option `key`, when the error names one. */
export function flagOfOption(command: Command, key: string | undefined): string | undefined {
  const flag =
    key === undefined || !Object.hasOwn(FLAG_OF_OPTION, key) ? undefined : FLAG_OF_OPTION[key];
  return flag === undefined
    ? undefined
    : command.options.find((o) => o.attributeName() === flag)?.flags;
}

function flagName(command: Command, key: FlagKey): string {
  return command.options.find((option) => option.attributeName() === key)?.long ?? key;
}

function perChannel(flags: QuantizeFlags): boolean | undefined {
  return flags.perChannel ? true : flags.perTensor ? false : undefined;
}

function elementType(flag: 'u8' | 's8' | undefined): 'uint8' | 'int8' | undefined {
  return flag === undefined ? undefined : flag === 's8' ? 'int8' : 'uint8';
}

/** What decides which tensors static quantization touches: calibrate and quantizeStatic share it. */
export function staticLayoutOptions(flags: QuantizeFlags): StaticLayoutOptions {
  return {
    opTypes: flags.opTypes,
    includeNodes: flags.includeNodes,
    excludeNodes: flags.excludeNodes,
    format: flags.format,
  };
}

export function staticOptions(flags: QuantizeFlags): StaticQuantizationOptions {
  return {
    ...staticLayoutOptions(flags),
    target: flags.target,
    perChannel: perChannel(flags),
    reduceRange: flags.reduceRange,
    activationType: elementType(flags.activationType),
    weightType: elementType(flags.weightType),
  };
}

export function dynamicOptions(flags: QuantizeFlags): DynamicQuantizationOptions {
  return {
    opTypes: flags.opTypes,
    includeNodes: flags.includeNodes,
    excludeNodes: flags.excludeNodes,
    target: flags.target,
    perChannel: perChannel(flags),
    reduceRange: flags.reduceRange,
    weightType: elementType(flags.weightType),
    weightSymmetric: flags.asymmetric ? false : undefined,
  };
}

export function int4Options(flags: QuantizeFlags): Int4Options {
  return {
    // Conv, which int4 does not take, reaches the library and comes back as a usage error.
    opTypes: flags.opTypes as Int4Options['opTypes'],
    includeNodes: flags.includeNodes,
    excludeNodes: flags.excludeNodes,
    blockSize:
      flags.blockSize === undefined ? undefined : (Number(flags.blockSize) as Int4BlockSize),
    symmetric: flags.asymmetric ? false : undefined,
  };
}

export function float16Options(flags: QuantizeFlags): Float16Options {
  return {
    nodeBlockList: flags.excludeNodes,
    keepIoTypes: flags.fp16Io ? false : undefined,
  };
}
