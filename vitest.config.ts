import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{config,db,site,buildfarm,cdn,billing,proxmox,monitoring,devmode,net,loadtest,web,scripts}/**/*.test.ts'],
    exclude: ['node_modules', 'web/build', '.data'],
    globalSetup: ['db/testing/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
