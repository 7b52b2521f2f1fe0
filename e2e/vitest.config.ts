import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // A page's answer after a click can take more than expect.poll's default second on a 2-core
    // machine at load 15-20 (a clean-clone CI run missed the plan change by it). A poll still ends
    // as soon as it holds.
    expect: { poll: { timeout: 15_000, interval: 100 } },
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
  },
});
