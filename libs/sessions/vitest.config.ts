import { defineProject, mergeConfig } from 'vitest/config';
import { sharedConfig } from '../../vitest.shared.js';

export default mergeConfig(
  sharedConfig,
  defineProject({
    test: {
      name: '@authflow/sessions',
      include: ['src/**/*.test.ts'],
      globalSetup: ['../testing/src/redis.global-setup.ts'],
    },
  }),
);
