import { dataTypeInfo, dataTypeName, isKnownDataType } from '../ir/dtype.js';
import type { Model } from '../ir/model.js';
import type { Tensor } from '../ir/tensor.js';
import type { Dim, Value } from '../ir/value.js';
import { findVitStructure, type VitStructure } from './vit-structure.js';

/** A graph input or output. */
export interface TensorSignature {
  name: string;
  /** Element type name ('float32', 'int64', …); null for non-tensor values (sequences, maps). */
  dtype: string | null;
  /** Sizes, symbolic names (dim_param) or null for unknown dims; null when the rank is unknown. */
  shape: Dim[] | null;
}

/** Initializers of one element type (or all of them). */
export interface InitializerBytes {
  count: number;
  elementCount: number;
  sizeBytes: number;
  /** Bytes stored in the .onnx file itself. */
  inlineSizeBytes: number;
  /** Bytes stored in external data files. */
  externalSizeBytes: number;
}

/**
 * What a model holds, as plain data (this object is also the JSON form of `vit-opt inspect`).
 * Counts cover the main graph and its subgraphs (If/Loop/Scan bodies).
 */
export interface ModelSummary {
  irVersion: number;
  /** Opset version per domain; the default domain is listed as 'ai.onnx'. */
  opsets: Record<string, number>;
  producerName: string;
  producerVersion: string;
  metadataProps: Record<string, string>;
  /** Model inputs, without initializers that older exporters also list as inputs. */
  inputs: TensorSignature[];
  outputs: TensorSignature[];
  nodeCount: number;
  /** Nodes per op, most frequent first; ops of other domains as 'domain.Op' (com.microsoft.Gelu). */
  opCounts: Record<string, number>;
  /** Elements of floating-point initializers: the learned weights. */
  parameterCount: number;
  initializers: InitializerBytes & {
    /** Per element type name, largest first. */
    byDtype: Record<string, InitializerBytes>;
  };
  vit: VitStructure | null;
}

export function summarizeModel(model: Model): ModelSummary {
  const graph = model.graph;
  return {
    irVersion: model.irVersion,
    opsets: Object.fromEntries(
      [...model.opsetImports].map(([domain, version]) => [
        domain === '' ? 'ai.onnx' : domain,
        version,
      ]),
    ),
    producerName: model.producerName,
    producerVersion: model.producerVersion,
    metadataProps: Object.fromEntries(model.metadataProps),
    inputs: graph.inputs.filter((v) => v.initializer === undefined).map(signatureOf),
    outputs: graph.outputs.map(signatureOf),
    ...countOps(model),
    ...countInitializers(model),
    vit: findVitStructure(graph),
  };
}

function signatureOf(value: Value): TensorSignature {
  const type = value.tensorType;
  return {
    name: value.name,
    dtype: type === undefined ? null : dataTypeName(type.elemType),
    shape: type?.shape === undefined ? null : [...type.shape],
  };
}

function countOps(model: Model): Pick<ModelSummary, 'nodeCount' | 'opCounts'> {
  const counts = new Map<string, number>();
  let nodeCount = 0;
  for (const node of model.graph.allNodes()) {
    const domain = node.domain === '' || node.domain === 'ai.onnx' ? '' : `${node.domain}.`;
    const op = `${domain}${node.opType}`;
    counts.set(op, (counts.get(op) ?? 0) + 1);
    nodeCount += 1;
  }
  const sorted = [...counts].sort(([a, m], [b, n]) => n - m || a.localeCompare(b));
  return { nodeCount, opCounts: Object.fromEntries(sorted) };
}

function countInitializers(model: Model): Pick<ModelSummary, 'parameterCount' | 'initializers'> {
  const total = emptyBytes();
  const byDtype = new Map<string, InitializerBytes>();
  let parameterCount = 0;
  for (const graph of model.graph.allGraphs()) {
    for (const value of graph.initializers) {
      const tensor = value.initializer!;
      const name = dataTypeName(tensor.dtype);
      if (!byDtype.has(name)) byDtype.set(name, emptyBytes());
      addTensor(total, tensor);
      addTensor(byDtype.get(name)!, tensor);
      if (isKnownDataType(tensor.dtype) && dataTypeInfo(tensor.dtype).isFloat)
        parameterCount += tensor.elementCount;
    }
  }
  const sorted = [...byDtype].sort(
    ([a, x], [b, y]) => y.sizeBytes - x.sizeBytes || a.localeCompare(b),
  );
  return { parameterCount, initializers: { ...total, byDtype: Object.fromEntries(sorted) } };
}

function emptyBytes(): InitializerBytes {
  return { count: 0, elementCount: 0, sizeBytes: 0, inlineSizeBytes: 0, externalSizeBytes: 0 };
}

/** Adds a tensor's size without reading its data (external tensors stay on disk). */
function addTensor(bytes: InitializerBytes, tensor: Tensor): void {
  bytes.count += 1;
  bytes.elementCount += tensor.elementCount;
  bytes.sizeBytes += tensor.byteLength;
  if (tensor.isExternal) bytes.externalSizeBytes += tensor.byteLength;
  else bytes.inlineSizeBytes += tensor.byteLength;
}
