// Loads the sample backend's configuration from the environment, every problem reported together.
import { type DeepReadonly, loadConfig } from '@authflow/config';
import { type SampleBackendEnvConfig, sampleBackendEnvSchema } from './config.schema.js';

export type SampleBackendConfig = DeepReadonly<SampleBackendEnvConfig>;

/** Parses and freezes the configuration; throws a `ConfigError` listing every problem. */
export function loadSampleBackendConfig(
  environment: Readonly<Record<string, string | undefined>>,
): SampleBackendConfig {
  return loadConfig(sampleBackendEnvSchema, environment);
}
