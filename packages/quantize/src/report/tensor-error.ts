/** The quantization error of one tensor. */
export interface TensorError {
  readonly tensor: string;
  readonly kind: 'weight' | 'activation';
  /** 20·log10(‖x‖ / ‖x − x̂‖): higher is better; +∞ (null in JSON) when exact. */
  readonly sqnrDb: number;
  /** The float model's node that computes the tensor; null for a weight or a graph input. */
  readonly producer: string | null;
  /** The float model's nodes that read it (through any Reshape/Transpose): what --exclude-nodes takes. */
  readonly consumers: string[];
}
