import { defineConfig } from 'vitest/config';

// The namespace lab (test/lab/): real keepalived, corosync and Pacemaker in network namespaces, as root.
// `npm run build && npx vitest run -c vitest.lab.config.ts`. One file at a time: the labs share the machine's
// two cores, and their timings are what is measured.
export default defineConfig({
  test: {
    include: ['test/lab/**/*.lab.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: 'forks',
    fileParallelism: false,
    maxWorkers: 1,
    // Scenarios build on the lab their file brought up; a failure must not hide behind a retry.
    retry: 0,
    // The lab files skip unless this is set: `npm test` (vitest.config.ts) must not run them.
    env: { HAWATCH_LAB_SUITE: '1' },
  },
});
