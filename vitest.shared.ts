import { defineConfig } from 'vitest/config';

/** Tests run against each package's TypeScript source through the "source" export condition. */
export default defineConfig({
  resolve: { conditions: ['source'] },
  // vitest 4 resolves Node-side imports through the SSR settings.
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['src/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
