// Loads the auth service's configuration from the environment, every problem reported together.
import { type DeepReadonly, loadConfig } from '@authflow/config';
import { type AuthConfig as ParsedConfig, authEnvSchema } from './config.schema.js';

export type AuthConfig = DeepReadonly<ParsedConfig>;

export function loadAuthConfig(
  environment: Readonly<Record<string, string | undefined>>,
): AuthConfig {
  return loadConfig(authEnvSchema, environment);
}
