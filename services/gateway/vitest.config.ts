import { defineProject, mergeConfig } from 'vitest/config';
import { sharedConfig } from '../../vitest.shared.js';

export default mergeConfig(
  sharedConfig,
  defineProject({
    test: {
      name: '@authflow/gateway',
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      globalSetup: ['../../libs/testing/src/redis.global-setup.ts'],
    },
  }),
);
