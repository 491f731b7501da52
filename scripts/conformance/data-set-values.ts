import { readFileSync } from 'node:fs';
import { decodeTensor, type Model, type Tensor, type Value } from '@vit-opt/graph';
import type { DataSet } from './test-suite.js';

/** A data set's inputs by graph input name and expected outputs by graph output name. */
export interface DataSetValues {
  readonly name: string;
  readonly feeds: ReadonlyMap<string, Tensor>;
  readonly expected: ReadonlyMap<string, Tensor>;
}

export type DataSetReading =
  | { readonly tensors: true; readonly values: DataSetValues }
  | { readonly tensors: false; readonly reason: string };

/**
 * Reads a data set the way ONNX's backend runner does: input_K belongs to the model's K-th graph
 * input and output_K to its K-th graph output, and each file is serialized as that value's type
 * says. Sequences, maps and optionals (SequenceProto, MapProto, OptionalProto files) cannot cross
 * onnxruntime-node's binding, so such a set is reported rather than decoded.
 */
export function readDataSetValues(dataSet: DataSet, model: Model): DataSetReading {
  const inputs = readTensors(dataSet.inputPaths, model.graph.inputs, 'input');
  if (!(inputs instanceof Map)) return { tensors: false, reason: inputs };
  const outputs = readTensors(dataSet.outputPaths, model.graph.outputs, 'output');
  if (!(outputs instanceof Map)) return { tensors: false, reason: outputs };
  return { tensors: true, values: { name: dataSet.name, feeds: inputs, expected: outputs } };
}

function readTensors(
  paths: readonly string[],
  values: readonly Value[],
  role: 'input' | 'output',
): Map<string, Tensor> | string {
  const tensors = new Map<string, Tensor>();
  for (const [index, path] of paths.entries()) {
    const value = values[index];
    if (value === undefined) return `${role}_${index}.pb has no graph ${role} to go with`;
    if (value.type?.kind === 'other') {
      return `${role} '${value.name}' is ${describeNonTensor(value.type.proto)}`;
    }
    tensors.set(value.name, decodeTensor(readFileSync(path), { source: path }));
  }
  return tensors;
}

const NON_TENSOR_KINDS: Record<string, string> = {
  sequenceType: 'a sequence',
  mapType: 'a map',
  optionalType: 'an optional',
  sparseTensorType: 'a sparse tensor',
  opaqueType: 'an opaque value',
};

function describeNonTensor(typeProto: unknown): string {
  const kind = (typeProto as { value?: string }).value;
  return (kind === undefined ? undefined : NON_TENSOR_KINDS[kind]) ?? 'not a tensor';
}
