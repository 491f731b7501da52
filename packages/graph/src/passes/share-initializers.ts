import { createHash } from 'node:crypto';
import { DataType } from '../ir/dtype.js';
import type { Model } from '../ir/model.js';
import type { Value } from '../ir/value.js';
import { changed, definePass } from './pass.js';

/**
 * Makes identical constants (same type, shape and bytes) one initializer: exporters duplicate
 * small shape constants per layer, and duplicated weights would be quantized twice.
 */
export const shareIdenticalInitializers = definePass('share-identical-initializers', (model: Model) => {
  let count = 0;
  for (const graph of [...model.graph.allGraphs()]) {
    // Only tensors with the same type and shape can be equal: hash just those groups' bytes.
    const byShape = new Map<string, Value[]>();
    for (const value of graph.initializers) {
      const tensor = value.initializer!;
      if (value.isGraphInput || value.isGraphOutput || tensor.isExternal) continue;
      if (tensor.dtype === DataType.STRING) continue;
      const key = `${tensor.dtype}|${tensor.dims.join('x')}`;
      byShape.set(key, [...(byShape.get(key) ?? []), value]);
    }
    for (const group of byShape.values()) {
      if (group.length < 2) continue;
      const firstByHash = new Map<string, Value>();
      for (const value of group) {
        const hash = createHash('sha256').update(value.initializer!.bytes()).digest('hex');
        const first = firstByHash.get(hash);
        if (first === undefined) {
          firstByHash.set(hash, value);
          continue;
        }
        value.replaceAllUsesWith(first);
        graph.removeInitializer(value);
        count += 1;
      }
    }
  }
  return changed(count, (n) => `merged ${n} duplicate initializers`);
});
