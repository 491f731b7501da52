import { VitOptError } from '@vit-opt/graph';
import { quantileOfSorted } from './quantile.js';
import { seededRandom } from '../data/seeded-random.js';

export interface BootstrapOptions {
  /** How many resamples; 2,000 puts the 2.5% and 97.5% points on about 50 resamples each. */
  readonly resamples: number;
  /** 32-bit unsigned seed: the same seed gives the same interval. */
  readonly seed: number;
}

export const DEFAULT_BOOTSTRAP: BootstrapOptions = { resamples: 2000, seed: 0 };

/** The paired outcome counts a top-1 difference depends on. */
export interface PairedOutcomes {
  readonly itemCount: number;
  /** Items the candidate got right and the baseline wrong. */
  readonly candidateOnlyCorrect: number;
  /** Items the baseline got right and the candidate wrong. */
  readonly baselineOnlyCorrect: number;
}

/**
 * 95% percentile-bootstrap interval of top-1(candidate) − top-1(baseline), resampling images
 * with replacement so each keeps both models' outcomes (a paired bootstrap).
 *
 * Only discordant images move the difference, so a resample is N uniform draws over the items
 * ordered [candidate-only-correct, baseline-only-correct, the rest] — the same distribution as
 * resampling the real items, without holding them. The interval is the 2.5% and 97.5% quantiles
 * of the resampled differences (linear interpolation, see quantileOfSorted).
 */
export function pairedBootstrapDeltaCi95(
  outcomes: PairedOutcomes,
  options: BootstrapOptions,
): [number, number] {
  const { resamples, seed } = options;
  if (!Number.isInteger(resamples) || resamples < 1) {
    throw new VitOptError(
      'INVALID_ARGUMENT',
      `bootstrap resamples must be an integer >= 1; got ${resamples}`,
      {
        subject: 'resamples',
      },
    );
  }
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new VitOptError(
      'INVALID_ARGUMENT',
      `bootstrap seed must be an integer from 0 to 4294967295; got ${seed}`,
      {
        subject: 'seed',
      },
    );
  }
  const n = outcomes.itemCount;
  const up = outcomes.candidateOnlyCorrect;
  const discordant = up + outcomes.baselineOnlyCorrect;
  const random = seededRandom(seed);
  const deltas = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let net = 0;
    for (let draw = 0; draw < n; draw++) {
      const item = Math.floor(random() * n);
      if (item < up) net++;
      else if (item < discordant) net--;
    }
    deltas[r] = net / n;
  }
  deltas.sort();
  return [quantileOfSorted(deltas, 0.025), quantileOfSorted(deltas, 0.975)];
}
