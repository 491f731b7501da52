import { VitOptError } from '../errors.js';
import { AttributeKind, type Attribute } from '../ir/attribute.js';
import { DataType } from '../ir/dtype.js';
import type { Graph } from '../ir/graph.js';
import type { Model } from '../ir/model.js';
import type { Tensor } from '../ir/tensor.js';
import type { Value, ValueType } from '../ir/value.js';
import { AttributeType, onnxType, toLong } from './proto.js';

/** Decides, per tensor, where its bytes go when a model is saved. */
export interface TensorPlacement {
  /** External data entries for tensors that go to a side file; undefined to keep them inline. */
  external(tensor: Tensor): Array<{ key: string; value: string }> | undefined;
}

const INLINE: TensorPlacement = { external: () => undefined };

/** The ModelProto bytes of `model`. Tensor data is written as raw_data. */
export function encodeModel(model: Model, placement: TensorPlacement = INLINE): Uint8Array {
  if (model.unknownFields.length > 0) {
    const listed = model.unknownFields.slice(0, 3).join(', ');
    throw new VitOptError(
      'UNSUPPORTED',
      `the model carries fields this ONNX schema does not know (${listed}); saving would drop them`,
      { subject: 'model' },
    );
  }
  const type = onnxType('ModelProto');
  return type.encode(modelToProto(model, placement)).finish();
}

export function encodeTensor(tensor: Tensor): Uint8Array {
  return onnxType('TensorProto').encode(tensorToProto(tensor, INLINE)).finish();
}

type Plain = Record<string, unknown>;

function modelToProto(model: Model, placement: TensorPlacement): Plain {
  return {
    irVersion: toLong(model.irVersion),
    opsetImport: [...model.opsetImports].map(([domain, version]) => ({
      domain,
      version: toLong(version),
    })),
    producerName: model.producerName,
    producerVersion: model.producerVersion,
    domain: model.domain,
    ...(model.modelVersion === undefined ? {} : { modelVersion: toLong(model.modelVersion) }),
    docString: model.docString,
    graph: graphToProto(model.graph, placement),
    metadataProps: mapToEntries(model.metadataProps),
    trainingInfo: model.trainingInfo,
    functions: model.functions,
    configuration: model.configuration,
  };
}

function graphToProto(graph: Graph, placement: TensorPlacement): Plain {
  const inputs = new Set(graph.inputs);
  const outputs = new Set(graph.outputs);
  const valueInfo: Plain[] = [];
  for (const value of graph.ownValues) {
    if (inputs.has(value) || outputs.has(value) || value.type === undefined) continue;
    if (value.initializer !== undefined && !value.declared) continue;
    valueInfo.push(valueInfoToProto(value));
  }
  return {
    node: graph.nodes.map((node) => ({
      input: node.inputs.map((v) => v?.name ?? ''),
      output: node.outputs.map((v) => v?.name ?? ''),
      name: node.name,
      opType: node.opType,
      domain: node.domain,
      overload: node.overload,
      attribute: [...node.attributes.values()].map((a) => attributeToProto(a, placement)),
      docString: node.docString,
      metadataProps: mapToEntries(node.metadataProps),
      deviceConfigurations: node.deviceConfigurations,
    })),
    name: graph.name,
    initializer: graph.initializers.map((v) => tensorToProto(v.initializer!, placement)),
    sparseInitializer: graph.sparseInitializers,
    docString: graph.docString,
    input: graph.inputs.map(valueInfoToProto),
    output: graph.outputs.map(valueInfoToProto),
    valueInfo,
    quantizationAnnotation: graph.quantizationAnnotation,
    metadataProps: mapToEntries(graph.metadataProps),
  };
}

function valueInfoToProto(value: Value): Plain {
  return {
    name: value.name,
    ...(value.type === undefined ? {} : { type: typeToProto(value.type) }),
    docString: value.docString,
    metadataProps: mapToEntries(value.metadataProps),
  };
}

export function typeToProto(type: ValueType): unknown {
  if (type.kind === 'other') return type.proto;
  const tensorType: Plain = { elemType: type.elemType };
  if (type.shape !== undefined) {
    tensorType.shape = {
      dim: type.shape.map((d, i) => {
        const denotation = type.dimDenotations?.[i];
        const extra = denotation === undefined ? {} : { denotation };
        if (typeof d === 'number') return { dimValue: toLong(d), ...extra };
        if (typeof d === 'string') return { dimParam: d, ...extra };
        return extra;
      }),
    };
  }
  return { tensorType, ...(type.denotation ? { denotation: type.denotation } : {}) };
}

function attributeToProto(a: Attribute, placement: TensorPlacement): Plain {
  const proto: Plain = { name: a.name };
  if (a.docString) proto.docString = a.docString;
  if (a.refAttrName) proto.refAttrName = a.refAttrName;
  switch (a.kind) {
    case AttributeKind.FLOAT:
      return { ...proto, type: AttributeType.FLOAT, f: a.value };
    case AttributeKind.INT:
      return { ...proto, type: AttributeType.INT, i: toLong(a.value) };
    case AttributeKind.STRING:
      return { ...proto, type: AttributeType.STRING, s: a.value };
    case AttributeKind.TENSOR:
      return { ...proto, type: AttributeType.TENSOR, t: tensorToProto(a.value, placement) };
    case AttributeKind.GRAPH:
      return { ...proto, type: AttributeType.GRAPH, g: graphToProto(a.value, placement) };
    case AttributeKind.FLOATS:
      return { ...proto, type: AttributeType.FLOATS, floats: a.value };
    case AttributeKind.INTS:
      return { ...proto, type: AttributeType.INTS, ints: a.value.map((v) => toLong(v)) };
    case AttributeKind.STRINGS:
      return { ...proto, type: AttributeType.STRINGS, strings: a.value };
    case AttributeKind.TENSORS:
      return {
        ...proto,
        type: AttributeType.TENSORS,
        tensors: a.value.map((t) => tensorToProto(t, placement)),
      };
    case AttributeKind.GRAPHS:
      return {
        ...proto,
        type: AttributeType.GRAPHS,
        graphs: a.value.map((g) => graphToProto(g, placement)),
      };
    case AttributeKind.SPARSE_TENSOR:
      return { ...proto, type: AttributeType.SPARSE_TENSOR, sparseTensor: a.value };
    case AttributeKind.SPARSE_TENSORS:
      return { ...proto, type: AttributeType.SPARSE_TENSORS, sparseTensors: a.value };
    case AttributeKind.TYPE_PROTO:
      return { ...proto, type: AttributeType.TYPE_PROTO, tp: a.value };
    case AttributeKind.TYPE_PROTOS:
      return { ...proto, type: AttributeType.TYPE_PROTOS, typeProtos: a.value };
  }
}

function tensorToProto(tensor: Tensor, placement: TensorPlacement): Plain {
  const proto: Plain = {
    dims: tensor.dims.map((d) => toLong(d)),
    dataType: tensor.dtype,
    name: tensor.name,
    docString: tensor.docString,
    metadataProps: mapToEntries(tensor.metadataProps),
  };
  if (tensor.dtype === DataType.STRING) return { ...proto, stringData: tensor.strings() };
  const external = placement.external(tensor);
  if (external !== undefined) return { ...proto, externalData: external, dataLocation: 1 };
  return { ...proto, rawData: tensor.bytes() };
}

function mapToEntries(map: ReadonlyMap<string, string>): Array<{ key: string; value: string }> {
  return [...map].map(([key, value]) => ({ key, value }));
}
