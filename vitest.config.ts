import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // End-to-end tests start real processes and servers; give them room but keep a bound.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
