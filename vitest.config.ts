import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Tests run against package sources, so `npm test` needs no build step in between edits.
    conditions: ['source'],
  },
  // Vitest runs Node tests in Vite's server environment, which takes its own conditions.
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['packages/*/test/**/*.test.{ts,tsx}', 'apps/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
  },
});
