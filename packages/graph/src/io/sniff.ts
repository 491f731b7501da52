/**
 * Recognises a file from its first bytes, so "this is a PyTorch checkpoint, not ONNX" is said
 * before protobuf decoding produces a confusing error.
 */
const MODEL_PROTO_WIRE_TYPES: ReadonlyMap<number, number> = new Map([
  [1, 0], // ir_version
  [2, 2], // producer_name
  [3, 2], // producer_version
  [4, 2], // domain
  [5, 0], // model_version
  [6, 2], // doc_string
  [7, 2], // graph
  [8, 2], // opset_import
  [14, 2], // metadata_props
  [20, 2], // training_info
  [25, 2], // functions
  [26, 2], // configuration
]);

const KNOWN_SIGNATURES: ReadonlyArray<{ prefix: number[]; what: string }> = [
  { prefix: [0x50, 0x4b, 0x03, 0x04], what: 'a ZIP archive (a PyTorch .pt/.pth checkpoint?)' },
  { prefix: [0x89, 0x50, 0x4e, 0x47], what: 'a PNG image' },
  { prefix: [0xff, 0xd8, 0xff], what: 'a JPEG image' },
  { prefix: [0x1f, 0x8b], what: 'a gzip file' },
  { prefix: [0x7b], what: 'a JSON or text file' },
  { prefix: [0x3c], what: 'an XML/HTML file' },
  { prefix: [0x80], what: 'a Python pickle' },
  { prefix: [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59], what: 'a NumPy .npy file' },
  { prefix: [0x89, 0x48, 0x44, 0x46], what: 'an HDF5 file (a Keras model?)' },
];

/** Undefined when the bytes can start an ONNX ModelProto; else what they look like. */
export function describeNonOnnx(bytes: Uint8Array): string | undefined {
  for (const { prefix, what } of KNOWN_SIGNATURES) {
    if (prefix.every((b, i) => bytes[i] === b)) return what;
  }
  let tag = 0;
  let shift = 0;
  for (let i = 0; i < Math.min(bytes.length, 5); i++) {
    const b = bytes[i]!;
    tag |= (b & 0x7f) << shift;
    shift += 7;
    if ((b & 0x80) === 0) {
      const wire = MODEL_PROTO_WIRE_TYPES.get(tag >>> 3);
      return wire === (tag & 7) ? undefined : 'not an ONNX ModelProto';
    }
  }
  return 'not an ONNX ModelProto';
}
