// Settings every workspace's vitest project shares: resolve workspace libs to their sources.
import type { ViteUserConfig } from 'vitest/config';

export const sharedConfig = {
  resolve: { conditions: ['@authflow/source'] },
  ssr: { resolve: { conditions: ['@authflow/source'], externalConditions: ['@authflow/source'] } },
} satisfies ViteUserConfig;
