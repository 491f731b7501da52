import { statSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { isVitOptError, loadModel, stageFile, type StagedFile } from '@vit-opt/graph';
import {
  ERROR_REPORT_SAMPLES,
  QUANTIZATION_TARGETS,
  formatReport,
  quantizeModel,
  readRecipe,
  stageRanges,
  type QuantizationErrorReport,
  type QuantizeModelOptions,
  type QuantizedModel,
} from '@vit-opt/quantize';
import { createTensorProbe, sha256File } from '@vit-opt/eval';
import {
  calibrationImages,
  type CalibrationImages,
  type PreprocessOverrides,
} from '@vit-opt/eval/data';
import type { CliCommand } from '../command.js';
import { namingInputPath } from '../errors.js';
import { writeJson } from '../output.js';
import { interruptSignal, throwIfInterrupted } from '../interrupt.js';
import {
  checkOutputs,
  commitOutputs,
  companionInputs,
  stageAll,
  type RunPaths,
} from '../outputs.js';
import { companionOutputs, isSameFile, stageCompanionFiles } from '../paths.js';
import { runtimeCheckOption, stageLoadableModel } from '../runtime-check.js';
import { stageProgress } from '../progress.js';
import { finiteNumber, positiveInteger, regularExpressions } from './options.js';
import {
  STAND_IN_HELP,
  missingPreprocessing,
  preprocessOptions,
  preprocessOverrides,
} from './preprocess-options.js';
import {
  MODES,
  checkFlagCombinations,
  dynamicOptions,
  flagOfOption,
  float16Options,
  int4Options,
  opTypeList,
  staticOptions,
  type QuantizeFlags,
} from './quantize-options.js';
import { printSummary, type QuantizeSummary } from './quantize-summary.js';

export const quantizeCommand: CliCommand = {
  name: 'quantize',
  define(command, io) {
    command
      .summary('quantize a model: dynamic or static int8, fp16, or int4 weights')
      .description(
        'Quantize a float32 model. dynamic: int8 weights, activations quantized at run time. static: int8 ' +
          'weights and activations, with ranges calibrated on images (--calib) or read from a file (--ranges). ' +
          'fp16: float16 weights and compute. int4: 4-bit block weights (MatMulNBits). The images of --calib ' +
          'are preprocessed as the model’s preprocessor_config.json says, each preprocessing flag replacing ' +
          `one step. ${STAND_IN_HELP} The recipe goes into the model’s metadata; every file is written ` +
          'atomically, and only once all the work succeeded.',
      )
      .argument('<model>', 'the float32 .onnx file')
      .requiredOption('-o, --output <file>', 'where to write the quantized model')
      .addOption(
        new Option('--mode <mode>', 'what to quantize to').choices(MODES).makeOptionMandatory(),
      )
      .option('--json', 'print the summary as JSON', false)
      .addOption(runtimeCheckOption())
      .optionsGroup('Images and the error report (any mode):')
      .option(
        '--calib <dir>',
        'images, <dir>/<class>/<image>, preprocessed as the model’s preprocessor_config.json and the ' +
          'preprocessing flags say: static calibrates on them, --report compares on 8 of them',
      )
      .option(
        '--report <file>',
        'the SQNR of each quantized weight and activation against the float model, worst first: ' +
          'the layers to --exclude-nodes (JSON if it ends .json, else a table)',
      );
    for (const option of preprocessOptions(
      'Preprocessing of the --calib images (replacing steps of preprocessor_config.json):',
    )) {
      command.addOption(option);
    }
    command
      .optionsGroup('Static int8 (--mode static):')
      .option(
        '--calib-limit <n>',
        'calibrate on N images drawn across the classes (default all)',
        positiveInteger,
      )
      .addOption(
        new Option('--calib-method <method>', 'how a range is chosen, minmax unless given').choices(
          ['minmax', 'percentile', 'entropy'],
        ),
      )
      .option(
        '--percentile <p>',
        'with --calib-method percentile: percent of values kept (default 99.999)',
        finiteNumber,
      )
      .option('--save-ranges <file>', 'write the calibrated ranges, for --ranges later')
      .option('--ranges <file>', 'use ranges saved by --save-ranges instead of calibrating')
      .addOption(
        new Option(
          '--format <format>',
          'qdq (the default): Q/DQ pairs onnxruntime fuses; qoperator: QLinear ops',
        ).choices(['qdq', 'qoperator']),
      )
      .addOption(
        new Option('--activation-type <type>', 'activation element type, u8 unless given').choices([
          'u8',
          's8',
        ]),
      )
      .optionsGroup('Which nodes:')
      .option(
        '--op-types <list>',
        'op types to quantize: MatMul,Gemm,Conv (int4: MatMul,Gemm)',
        opTypeList,
      )
      .option(
        '--include-nodes <regex>',
        'only nodes whose name matches (repeatable)',
        regularExpressions,
      )
      .option(
        '--exclude-nodes <regex>',
        'never nodes whose name matches; fp16: nodes kept float32 (repeatable)',
        regularExpressions,
      )
      .optionsGroup('Target CPU and weights (dynamic, static):')
      .addOption(
        new Option(
          '--target <cpu>',
          'the CPU the model is for: its int8 instruction family fixes weight type, reduce-range and ' +
            'per-channel to what is accurate and fastest there (auto: this machine, read from ' +
            '/proc/cpuinfo; portable: exact on every x86 and Arm CPU); the flags below override it',
        )
          .choices([...QUANTIZATION_TARGETS])
          .default('auto'),
      )
      .addOption(
        new Option(
          '--per-channel',
          'one scale per output channel (the default of static for every target)',
        ).conflicts('perTensor'),
      )
      .option('--per-tensor', 'one scale per weight (the default of dynamic for every target)')
      .option(
        '--reduce-range',
        '7-bit weights, exact where pairs of u8×s8 products are summed in int16 (CPUs without ' +
          'VNNI; the default of --target avx2, avx512 and portable)',
      )
      .addOption(
        new Option(
          '--weight-type <type>',
          'weight element type, s8 unless given (u8: u8×u8 products, which never saturate, on slower kernels)',
        ).choices(['u8', 's8']),
      )
      .option('--asymmetric', 'dynamic, int4: weights with a zero point (default symmetric)')
      .addOption(
        new Option('--block-size <n>', 'int4: weights per block, 32 unless given').choices([
          '32',
          '64',
          '128',
        ]),
      )
      .option('--fp16-io', 'fp16: float16 model inputs and outputs (default float32, cast inside)')
      .optionsGroup('Graph:')
      .option(
        '--fuse-transformer',
        'dynamic: first fuse attention into onnxruntime’s Attention (quantized to QAttention) and the ' +
          'GELU into Gelu, as onnxruntime’s transformer optimizer does; the model then needs onnxruntime',
      )
      .action(async (modelPath: string, flags: QuantizeFlags) => {
        checkFlagCombinations(command, flags);
        const overrides = preprocessOverrides(command, flags);
        if (isSameFile(modelPath, flags.output)) {
          command.error(
            `error: --output ${flags.output} is the input model; write the quantized model elsewhere`,
          );
        }
        checkOutputs(command, quantizePaths(modelPath, flags));
        const interrupt = interruptSignal();
        const progress = stageProgress(io, 'images');
        try {
          const model = loadModel(modelPath);
          const sourceSha256 = await sha256File(modelPath);
          // Made before any work, so that images the model cannot take are refused first; the
          // report compares on a few images of its own, calibration reads --calib-limit.
          const readImages = (limit: number | undefined): Promise<CalibrationImages> =>
            calibrationImages(model, {
              folder: flags.calib!,
              modelPath,
              preprocessOverrides: overrides,
              ...(limit === undefined ? {} : { limit }),
            });
          const reportImages =
            flags.report === undefined ? undefined : await readImages(ERROR_REPORT_SAMPLES);
          const calibration =
            flags.mode === 'static' && flags.ranges === undefined
              ? await readImages(flags.calibLimit)
              : undefined;
          const quantized = await quantizeModel(model, {
            ...modeOptions(flags, calibration),
            sourceSha256,
            ...(reportImages === undefined ? {} : { errorReport: { images: reportImages } }),
            probe: createTensorProbe(),
            inPlace: true,
            onProgress: progress.onProgress,
            signal: interrupt.signal,
          });
          progress.close();
          // Written only now, when all the work succeeded, and all together: a failure or Ctrl-C
          // leaves no file, not even the model when a later output cannot be written.
          throwIfInterrupted(interrupt.signal);
          const { ranges, errorReport } = quantized;
          const { saveRanges, report } = flags;
          let companions: string[] = [];
          const stagedModel = await stageLoadableModel(quantized.model, flags.output, modelPath, {
            enabled: flags.runtimeCheck,
            what: 'the quantized model',
            optOut: '--no-runtime-check quantizes it anyway',
          });
          const staged = stageAll([
            () => stagedModel,
            () => {
              const copies = stageCompanionFiles(modelPath, flags.output);
              companions = copies.names;
              return copies.staged;
            },
            (): StagedFile[] =>
              saveRanges !== undefined && ranges?.source === 'images'
                ? [stageRanges(saveRanges, ranges.values)]
                : [],
            (): StagedFile[] =>
              report !== undefined && errorReport !== undefined
                ? [stageFile(report, reportText(report, errorReport))]
                : [],
          ]);
          commitOutputs(staged, interrupt.signal);
          const skipped = calibration?.skipped;
          if (skipped !== undefined && skipped.count > 0) {
            const first = skipped.first;
            io.stderr.write(
              `note: calibration skipped ${skipped.count} image${skipped.count === 1 ? '' : 's'} ` +
                `it could not read${first === undefined ? '' : `, the first ${first.path} (${first.reason})`}\n`,
            );
          }
          const summary = summarize(modelPath, flags, quantized, companions);
          if (flags.json) writeJson(io, summary);
          else printSummary(io, summary, quantized.errorReport);
        } catch (error) {
          progress.close();
          if (interrupt.signal.aborted) throw interrupt.signal.reason;
          throw userError(error, command, modelPath, overrides, flags);
        } finally {
          interrupt.dispose();
        }
      });
  },
};

/**
 * What a quantize run reads and writes, for checkOutputs: no output may be the model, its config
 * files, the ranges or calibration images it reads, or another output.
 */
function quantizePaths(modelPath: string, flags: QuantizeFlags): RunPaths {
  return {
    inputs: [
      { what: 'the model', path: modelPath },
      ...companionInputs(modelPath, 'the model'),
      ...(flags.ranges === undefined ? [] : [{ what: '--ranges', path: flags.ranges }]),
    ],
    inputFolders: flags.calib === undefined ? [] : [{ what: '--calib', path: flags.calib }],
    outputs: [
      { what: '-o', path: flags.output },
      ...companionOutputs(modelPath, flags.output),
      ...(flags.report === undefined ? [] : [{ what: '--report', path: flags.report }]),
      ...(flags.saveRanges === undefined
        ? []
        : [{ what: '--save-ranges', path: flags.saveRanges }]),
    ],
  };
}

/** The library's options for the mode the flags ask for. */
function modeOptions(
  flags: QuantizeFlags,
  calibration: CalibrationImages | undefined,
): QuantizeModelOptions {
  switch (flags.mode) {
    case 'dynamic':
      return {
        mode: 'dynamic',
        modeOptions: dynamicOptions(flags),
        fuseTransformer: flags.fuseTransformer === true,
      };
    case 'int4':
      return { mode: 'int4', modeOptions: int4Options(flags) };
    case 'fp16':
      return { mode: 'fp16', modeOptions: float16Options(flags) };
    case 'static':
      return {
        mode: 'static',
        modeOptions: staticOptions(flags),
        calibration: { method: flags.calibMethod, percentile: flags.percentile },
        ...(calibration === undefined ? {} : { images: calibration }),
        ...(flags.ranges === undefined ? {} : { ranges: flags.ranges }),
      };
  }
}

/**
 * The library's errors, phrased for the command line: an invalid option value becomes a usage
 * error naming its flag, and the subjects the library knows only by role ("model", "ranges")
 * become the paths the user typed.
 */
function userError(
  error: unknown,
  command: Command,
  modelPath: string,
  overrides: PreprocessOverrides,
  flags: QuantizeFlags,
): unknown {
  if (!isVitOptError(error)) return error;
  const flag = error.code === 'INVALID_ARGUMENT' ? flagOfOption(command, error.subject) : undefined;
  if (flag !== undefined && error.message.includes(`option '${error.subject}'`)) {
    command.error(`error: option '${flag}': ${error.message}`);
  }
  // The library cannot name the flags that stand in for a missing preprocessor_config.json.
  if (error.subject === 'preprocess') return missingPreprocessing(modelPath, error);
  return namingInputPath(error, {
    model: modelPath,
    ranges: flags.ranges,
    data: flags.calib,
    samples: flags.calib,
    images: flags.calib,
  });
}

function reportText(path: string, report: QuantizationErrorReport): string {
  return path.endsWith('.json')
    ? `${JSON.stringify(report, null, 2)}\n`
    : `${formatReport(report, { limit: Infinity })}\n`;
}

function summarize(
  modelPath: string,
  flags: QuantizeFlags,
  quantized: QuantizedModel,
  companions: string[],
): QuantizeSummary {
  const { ranges } = quantized;
  return {
    mode: flags.mode,
    input: modelPath,
    output: flags.output,
    copied: companions,
    inputSizeBytes: statSync(modelPath).size,
    outputSizeBytes: statSync(flags.output).size,
    calibration:
      ranges === undefined
        ? null
        : {
            source: ranges.source === 'images' ? 'images' : 'ranges-file',
            path: ranges.path ?? '',
            method: ranges.values.method,
            sampleCount: ranges.values.sampleCount,
          },
    savedRanges: ranges?.source === 'images' ? (flags.saveRanges ?? null) : null,
    report: quantized.errorReport === undefined ? null : (flags.report ?? null),
    recipe: readRecipe(quantized.model)!,
    quantization: quantized.report,
  };
}
