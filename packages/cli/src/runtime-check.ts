import { VitOptError, type StagedModel } from '@vit-opt/graph';

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
  result: { readonly what: string; readonly optOut: string },
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
