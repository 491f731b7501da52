export { definePass, changed } from './pass.js';
export type { Pass, PassContext, PassResult, ConstantEvaluator } from './pass.js';
export type {
  FeedBatch,
  FeedBatches,
  Float16Feed,
  Float32Feed,
  ProbeFeed,
  ProbedTensor,
  TensorProbe,
  TensorProbeSession,
} from './tensor-probe.js';
export { runPasses } from './manager.js';
export type { PassRunReport, PassStep, RunPassesOptions } from './manager.js';
export { validateModel, assertValidModel, validationError, LOAD_CHECKS } from './validate.js';
export type { ValidateOptions, ValidationIssue } from './validate.js';
export { constantOf, replaceNodeWithConstants } from './constants.js';
export { constantsToInitializers, constantNodeTensor } from './constant-to-initializer.js';
export { removeIdentityNodes } from './remove-identity.js';
export { foldStaticShapes } from './fold-static-shapes.js';
export { foldConstants } from './fold-constants.js';
export { cleanup } from './cleanup.js';
export type { CleanupCounts } from './cleanup.js';
export { eliminateDeadCode } from './dead-code.js';
export { shareIdenticalInitializers } from './share-initializers.js';
export { simplify, simplifyPasses } from './simplify.js';
export type { SimplifyOptions, SimplifyReport } from './simplify.js';
