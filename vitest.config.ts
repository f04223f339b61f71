import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The namespace lab runs real cluster daemons as root: its own config (vitest.lab.config.ts, npm run test:lab).
    exclude: ['test/lab/**', 'node_modules/**', 'dist/**'],
    // End-to-end tests start real processes and servers; give them room but keep a bound.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
