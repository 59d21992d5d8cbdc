// Loads the auth service's configuration from the environment, every problem reported together.
import {
  authDeprecatedNames,
  type DeepReadonly,
  type Deprecation,
  deepFreeze,
  loadConfigWithDeprecatedNames,
} from '@authflow/config';
import { type AuthConfig as ParsedConfig, authEnvSchema } from './config.schema.js';

export type AuthConfig = DeepReadonly<
  ParsedConfig & {
    /** Old setting names found in the environment; the app logs one warning for each at start. */
    deprecations: readonly Deprecation[];
  }
>;

export function loadAuthConfig(
  environment: Readonly<Record<string, string | undefined>>,
): AuthConfig {
  const { config, deprecations } = loadConfigWithDeprecatedNames(
    authEnvSchema,
    environment,
    authDeprecatedNames,
  );
  return deepFreeze({ ...config, deprecations });
}
