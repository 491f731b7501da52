/** The quantization error of one tensor. */
export interface TensorError {
  readonly tensor: string;
  readonly kind: 'weight' | 'activation';
  /** 20·log10(‖x‖ / ‖x − x̂‖): higher is better; +∞ (null in JSON) when exact. */
  readonly sqnrDb: number;
  /**
   * The float model's node that computes the tensor; null for a weight or a graph input. For an
   * activation a dynamic, int4 or fp16 model computes another way, the node to exclude.
   */
  readonly producer: string | null;
  /**
   * The float model's nodes that read it (through any Reshape/Transpose): for a weight, and for
   * a statically quantized activation, the nodes to exclude.
   */
  readonly consumers: string[];
  /** The nodes whose quantization this error measures: what to pass to excludeNodes. */
  readonly nodes: string[];
}
