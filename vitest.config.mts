import { defineConfig } from 'vitest/config';

// '#lib' imports resolve to TypeScript sources under the custom 'tsfm-src' condition,
// so tests never run stale dist/ output.
export default defineConfig({
  resolve: { conditions: ['tsfm-src'] },
  ssr: { resolve: { conditions: ['tsfm-src'] } },
  test: {
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['libs/*/src/**/*.spec.ts', 'apps/*/src/**/*.spec.ts', 'test/*.spec.ts'], testTimeout: 30_000 },
      },
      {
        extends: true,
        test: { name: 'models', include: ['test/models/**/*.spec.ts'], testTimeout: 120_000 },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/**/*.e2e-spec.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
