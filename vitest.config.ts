// Root test runner: one vitest project per workspace, coverage over the whole tree.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['libs/*/vitest.config.ts', 'services/*/vitest.config.ts', 'nginx/vitest.config.ts'],
    coverage: {
      provider: 'v8',
      include: ['libs/*/src/**/*.ts', 'services/*/src/**/*.ts'],
      exclude: ['**/*.test.ts', '**/*.contract.ts', '**/test-support/**', 'libs/testing/**'],
      reporter: ['text-summary', 'text'],
      thresholds: {
        'libs/fingerprint/src/**': { lines: 90 },
        'libs/sessions/src/**': { lines: 90 },
      },
    },
  },
});
