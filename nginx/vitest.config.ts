// The edge's vitest project: unit tests of the renderer, integration tests against real nginx,
// a real gateway and a real Redis.
import { defineProject, mergeConfig } from 'vitest/config';
import { sharedConfig } from '../vitest.shared.js';

export default mergeConfig(
  sharedConfig,
  defineProject({
    test: {
      name: '@authflow/edge',
      root: import.meta.dirname,
      include: ['*.test.ts', 'test-support/**/*.test.ts'],
      globalSetup: ['../libs/testing/src/redis.global-setup.ts'],
      testTimeout: 20_000,
      hookTimeout: 30_000,
    },
  }),
);
