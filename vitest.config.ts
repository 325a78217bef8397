import { defineConfig } from 'vitest/config';

/**
 * Tests run the workspace packages from their TypeScript sources (the `@assetd/source` export
 * condition), in this process and in every Node process a test starts, so a test never runs
 * against a stale build. The packaging test takes the flag away to try what npm users get.
 */
const SOURCE_CONDITION = '@assetd/source';
process.env.NODE_OPTIONS = [process.env.NODE_OPTIONS, `--conditions=${SOURCE_CONDITION}`].filter(Boolean).join(' ');

export default defineConfig({
  resolve: { conditions: [SOURCE_CONDITION, 'node', 'development|production'] },
  ssr: { resolve: { conditions: [SOURCE_CONDITION, 'node', 'development|production'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Suites share one PostgreSQL; each gets its own schema, so files may run in parallel.
    fileParallelism: true,
  },
});
