import { decodeModel } from '../io/decode.js';
import { encodeModel } from '../io/encode.js';
import { Graph } from './graph.js';

/** The whole model: the main graph plus model-level fields. */
export class Model {
  irVersion: number;
  /** Operator set version per domain ('' is ai.onnx). */
  opsetImports: Map<string, number>;
  producerName = '';
  producerVersion = '';
  domain = '';
  modelVersion: number | bigint | undefined;
  docString = '';
  metadataProps: Map<string, string> = new Map();
  graph: Graph;
  /**
   * Model-local functions, training info and device configuration are carried as decoded protobuf:
   * no vit-opt pass rewrites them, and load→save must not lose them.
   */
  functions: unknown[] = [];
  trainingInfo: unknown[] = [];
  configuration: unknown[] = [];
  /**
   * Fields of the loaded file that this schema does not know (from a newer ONNX), as paths.
   * Encoding refuses while any are listed, since they would be lost; clear the list to accept that.
   */
  unknownFields: string[] = [];

  constructor(options: { irVersion?: number; opsetImports?: Map<string, number>; graph?: Graph } = {}) {
    this.irVersion = options.irVersion ?? 10;
    this.opsetImports = options.opsetImports ?? new Map([['', 21]]);
    this.graph = options.graph ?? new Graph({ name: 'main' });
  }

  /** The opset version imported for `domain` ('' or 'ai.onnx' for the default domain). */
  opset(domain = ''): number | undefined {
    const key = domain === 'ai.onnx' ? '' : domain;
    return this.opsetImports.get(key) ?? (key === '' ? this.opsetImports.get('ai.onnx') : undefined);
  }

  /**
   * A deep copy to edit while this one stays as it is: the same nodes, values, initializers (with
   * external data read in) and metadata. Goes through the protobuf form, which every field already
   * round-trips through; the copy is not validated again.
   */
  clone(): Model {
    const unknownFields = this.unknownFields;
    this.unknownFields = [];
    let bytes: Uint8Array;
    try {
      bytes = encodeModel(this);
    } finally {
      this.unknownFields = unknownFields;
    }
    const copy = decodeModel(bytes, { validate: false });
    copy.unknownFields = [...unknownFields];
    // Decoding reads an absent model_version as 0; the copy keeps it absent.
    copy.modelVersion = this.modelVersion;
    return copy;
  }
}
