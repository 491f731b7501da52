import { Option } from 'commander';
import { VitOptError, stageModel, type Model, type StagedModel } from '@vit-opt/graph';

/** `--no-runtime-check`, for the commands that write a model. */
export function runtimeCheckOption(): Option {
  return new Option(
    '--no-runtime-check',
    'do not check that onnxruntime loads the result (for models of operators it does not have)',
  );
}

/** What the check says of the result, and how to skip it. */
export interface RuntimeCheck {
  readonly enabled: boolean;
  /** The result, in an error message: 'the quantized model'. */
  readonly what: string;
  /** The flag that skips the check, in the input's error: '--no-runtime-check quantizes it anyway'. */
  readonly optOut: string;
}

/**
 * stageModel, then checkLoadsInOnnxRuntime on the staged file: a model onnxruntime does not load
 * is discarded, never committed.
 */
export async function stageLoadableModel(
  model: Model,
  outputPath: string,
  modelPath: string,
  check: RuntimeCheck,
): Promise<StagedModel> {
  const staged = stageModel(model, outputPath);
  if (!check.enabled) return staged;
  try {
    await checkLoadsInOnnxRuntime(modelPath, staged, check);
    return staged;
  } catch (error) {
    staged.discard();
    throw error;
  }
}

/**
 * A command's success must be a model onnxruntime loads. When the staged output does not, the
 * input usually did not either (an operator, opset or type the structural checks cannot see):
 * that is the input's fault, one line naming it. If the input loads, the command broke it: a bug
 * in vit-opt, reported as one.
 *
 * Only an inline model is checked: a staged model with a side file names it by the name it takes
 * on commit, which onnxruntime would not find yet (such models are over 1.8 GB).
 */
export async function checkLoadsInOnnxRuntime(
  modelPath: string,
  staged: StagedModel,
  result: Pick<RuntimeCheck, 'what' | 'optOut'>,
): Promise<void> {
  if (staged.dataLocation !== undefined) return;
  const { onnxRuntimeLoadProblem } = await import('@vit-opt/eval');
  const problem = await onnxRuntimeLoadProblem(staged.temporaryPath);
  if (problem === undefined) return;
  const inputProblem = await onnxRuntimeLoadProblem(modelPath);
  if (inputProblem !== undefined) {
    throw new VitOptError(
      'UNSUPPORTED',
      `onnxruntime cannot load this model: ${inputProblem} (${result.optOut})`,
      { subject: modelPath },
    );
  }
  throw new Error(`${result.what} does not load in onnxruntime, though the input does: ${problem}`);
}
