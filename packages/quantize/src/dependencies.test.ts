import { fileURLToPath } from 'node:url';
import { undeclaredImports } from '@vit-opt/graph/testing';
import { expect, it } from 'vitest';
import manifest from '../package.json' with { type: 'json' };

// The library takes a probe and feeds as arguments; running models and reading images is eval's.
it('imports only the packages it depends on, and does not depend on @vit-opt/eval', () => {
  expect(undeclaredImports(fileURLToPath(new URL('..', import.meta.url)))).toEqual([]);
  expect(Object.keys(manifest.dependencies)).not.toContain('@vit-opt/eval');
});
