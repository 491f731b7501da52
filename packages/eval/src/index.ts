export * from './data/index.js';
export * from './metrics/index.js';
export * from './results/index.js';
export * from './speed/index.js';
export * from './evaluate/index.js';
export { createOnnxRuntimeEvaluator } from './runtime/constant-evaluator.js';
export { executionProviderNames, onnxRuntimeLoadProblem } from './runtime/runtime-check.js';
export { InnerTensorSession, createTensorProbe } from './runtime/inner-tensor-session.js';
export type {
  InnerTensorFeed,
  InnerTensorSessionOptions,
  InnerTensorValue,
} from './runtime/inner-tensor-session.js';
export type { OnnxRuntimeEvaluatorOptions } from './runtime/constant-evaluator.js';
export { toOrtTensor, fromOrtTensor, ortTypeOf, dataTypeOfOrtType } from './runtime/tensor-convert.js';
export type { OrtElementType } from './runtime/tensor-convert.js';
