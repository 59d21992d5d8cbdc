// The fault matrix (npm run test:faults): the split stack as real processes, each scenario
// breaking one dependency and asserting what clients get, what survives and how fast it recovers.
import { defineProject, mergeConfig } from 'vitest/config';
import { sharedConfig } from '../vitest.shared.js';

export default mergeConfig(
  sharedConfig,
  defineProject({
    test: {
      name: '@authflow/faults',
      root: import.meta.dirname,
      include: ['**/*.faults.test.ts'],
      // One stack per file (five processes and a Redis); files run one after the other.
      fileParallelism: false,
      testTimeout: 120_000,
      hookTimeout: 120_000,
    },
  }),
);
