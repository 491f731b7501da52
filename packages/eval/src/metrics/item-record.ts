/**
 * What one evaluated image contributes to the metrics. Every metric is computed from these
 * records alone, sorted by `index`, so a run split into shards and merged gives exactly the
 * figures of a single run: the same records, in the same order, through the same code.
 *
 * Size: about 110 bytes of JSON per image, 150 with a baseline; 50,000 images (ImageNet's
 * validation set) make about 5.5 to 7.5 MB, which a results document can carry.
 */
export interface ItemRecord {
  /** The image's position in the whole dataset (before limit, sample or shard). */
  readonly index: number;
  readonly label: number;
  /** The candidate model's five best classes, best first (fewer when there are fewer classes). */
  readonly top5: readonly number[];
  readonly top1_correct: boolean;
  readonly top5_correct: boolean;
  /** With a baseline model: its best class. */
  readonly baseline_top1?: number;
  /** With a baseline model: KL(softmax(baseline) ‖ softmax(candidate)) in nats, float64. */
  readonly kl?: number;
}

/** How many classes the per-item records keep, best first. */
export const TOP_K = 5;
