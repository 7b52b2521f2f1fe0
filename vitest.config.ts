import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{config,db,site,buildfarm,cdn,billing,proxmox,monitoring,devmode,net,loadtest,web,scripts}/**/*.test.ts'],
    exclude: ['node_modules', 'web/build', '.data'],
    globalSetup: ['db/testing/global-setup.ts'],
    testTimeout: 30_000,
    // expect.poll's default second is too short on a 2-core CI machine at load 15-20: a clean-clone
    // run missed an edge switching to a new deployment by it. A poll still ends as soon as it holds.
    expect: { poll: { timeout: 10_000, interval: 50 } },
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
