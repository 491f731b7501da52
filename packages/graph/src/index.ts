export { VitOptError, isVitOptError } from './errors.js';
export type { VitOptErrorCode, VitOptErrorOptions } from './errors.js';
export {
  writeFileAtomic,
  temporaryPathFor,
  describeFsError,
  stageFile,
  commitStagedFiles,
  removeStaleTemporaryFiles,
} from './io/atomic-write.js';
export type { StagedFile } from './io/atomic-write.js';
export { decodeModel, decodeTensor } from './io/decode.js';
export type { DecodeOptions } from './io/decode.js';
export { encodeModel, encodeTensor } from './io/encode.js';
export { loadModel, readModelBytes, saveModel, stageModel } from './io/model-file.js';
export { readRegularFile, readRegularFileAsync } from './io/regular-file.js';
export type { ReadRegularFileOptions } from './io/regular-file.js';
export { describeFileKind } from './io/file-kind.js';
export type { LoadOptions, SaveOptions, StagedModel } from './io/model-file.js';
export { DataType, dataTypeInfo, dataTypeName, byteLengthOf, elementCountOf } from './ir/dtype.js';
export type { DataTypeInfo, NumericTypedArray, TypedArrayByDataType } from './ir/dtype.js';
export { Tensor } from './ir/tensor.js';
export type { ExternalLocation, TensorInit } from './ir/tensor.js';
export { Value } from './ir/value.js';
export type { Dim, TensorType, ValueType, Use } from './ir/value.js';
export { Node } from './ir/node.js';
export { Graph, capturedValues, dependencyValues } from './ir/graph.js';
export type { NodeSpec, NodePosition } from './ir/graph.js';
export { Model } from './ir/model.js';
export { AttributeKind, attr, decodeText, encodeText } from './ir/attribute.js';
export type { Attribute, AttributeValue, Int } from './ir/attribute.js';
export { NameAuthority } from './ir/names.js';
export * from './passes/index.js';
export * from './patterns/index.js';
export * from './summary/index.js';
export {
  CPU_FLAGS_VARIABLE,
  KERNEL_CPU_FEATURES,
  int8IsaOf,
  pairsSaturate,
  readCpuInt8Capabilities,
} from './platform/cpu-features.js';
export type {
  CpuFeatureSource,
  CpuInt8Capabilities,
  Int8Isa,
  ReadCpuOptions,
} from './platform/cpu-features.js';
