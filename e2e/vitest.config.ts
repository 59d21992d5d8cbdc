// End-to-end tests: headless Chromium against the split stack behind a real nginx (npm run test:e2e).
import { defineProject, mergeConfig } from 'vitest/config';
import { sharedConfig } from '../vitest.shared.js';

export default mergeConfig(
  sharedConfig,
  defineProject({
    test: {
      name: '@authflow/e2e',
      root: import.meta.dirname,
      include: ['**/*.e2e.test.ts'],
      globalSetup: ['../libs/testing/src/redis.global-setup.ts'],
      // One stack per file; files run one after the other (a browser and five servers each).
      fileParallelism: false,
      testTimeout: 60_000,
      hookTimeout: 120_000,
    },
  }),
);
