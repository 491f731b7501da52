/**
 * Op types grouped by what matchers may look through. Matching goes by op type alone: exporters
 * put the same ops in ai.onnx or com.microsoft (LayerNormalization, Gelu), and no exporter reuses
 * these names for something else.
 */

/** Ops that move or retype data without computing on it; a walk between two anchors crosses them. */
export const LAYOUT_OPS: readonly string[] = [
  'Transpose',
  'Reshape',
  'Cast',
  'Flatten',
  'Squeeze',
  'Unsqueeze',
];

/** Ops between the merged heads and the output projection. */
export const HEAD_MERGE_OPS: readonly string[] = [
  'Transpose',
  'Reshape',
  'Cast',
  'Identity',
  'Flatten',
];

/** Ops between a q/k/v projection and the attention MatMuls: head split, slicing, scaling. */
export const PROJECTION_PATH_OPS: readonly string[] = [
  'Reshape',
  'Transpose',
  'Slice',
  'Split',
  'Gather',
  'Squeeze',
  'Unsqueeze',
  'Cast',
  'Mul',
  'Div',
];

/** Ops that cut a packed q/k/v projection into its three parts. */
export const QKV_CUT_OPS: readonly string[] = ['Slice', 'Split', 'Gather'];

/** Ops between the attention probabilities and the ·V MatMul. */
export const PROBABILITY_PATH_OPS: readonly string[] = ['Cast', 'Identity', 'Dropout'];

/** Ops that are nonlinear on their own: GELU (fused, Erf or tanh form), SiLU, ReLU. */
export const NONLINEAR_OPS: readonly string[] = [
  'Gelu',
  'FastGelu',
  'BiasGelu',
  'QuickGelu',
  'Erf',
  'Tanh',
  'Sigmoid',
  'Relu',
];

/** The arithmetic that spells out an activation around those ops. */
export const ACTIVATION_ARITHMETIC_OPS: readonly string[] = ['Mul', 'Div', 'Add', 'Pow', 'Cast'];

/** Ops that pool the token sequence into the classifier's input (class token, or mean). */
export const POOLING_OPS: readonly string[] = ['Gather', 'Slice', 'Squeeze', 'ReduceMean'];

/** Ops a model may apply to the logits before returning them (copies are looked through). */
export const LOGIT_OUTPUT_OPS: readonly string[] = [
  'Cast',
  'Softmax',
  'LogSoftmax',
  'Reshape',
  'Flatten',
  'Squeeze',
];
