import { availableParallelism } from 'node:os';

/**
 * The intra-op thread counts `vit-opt bench` tries by default: 1 up to twice the cores, as
 * deployment guides suggest (past the core count, extra threads can still fill stalls). Powers
 * of two in between, plus the core count itself, keep the sweep short on big machines:
 * 2 cores → 1, 2, 4; 6 cores → 1, 2, 4, 6, 8, 12.
 */
export function defaultThreadSweep(cores: number = availableParallelism()): number[] {
  const counts = new Set<number>([cores, 2 * cores]);
  for (let threads = 1; threads < 2 * cores; threads *= 2) counts.add(threads);
  return [...counts].sort((a, b) => a - b);
}
