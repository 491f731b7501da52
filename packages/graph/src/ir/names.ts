/**
 * Hands out fresh names and never renames a user's: one authority per model, shared by the main
 * graph and its subgraphs, since ONNX value names must not shadow across scopes.
 */
export class NameAuthority {
  readonly #taken = new Set<string>();
  readonly #counters = new Map<string, number>();

  claim(name: string): void {
    this.#taken.add(name);
  }

  release(name: string): void {
    this.#taken.delete(name);
  }

  has(name: string): boolean {
    return this.#taken.has(name);
  }

  /** `base` if free, else `base_1`, `base_2`, … */
  fresh(base: string): string {
    const stem = base === '' ? 'v' : base;
    if (!this.#taken.has(stem)) {
      this.#taken.add(stem);
      return stem;
    }
    let n = this.#counters.get(stem) ?? 0;
    let candidate: string;
    do {
      n += 1;
      candidate = `${stem}_${n}`;
    } while (this.#taken.has(candidate));
    this.#counters.set(stem, n);
    this.#taken.add(candidate);
    return candidate;
  }
}
