// Public surface of @authflow/config.
export { env } from './env.js';
export { ConfigError, type DeepReadonly, deepFreeze, loadConfig } from './load-config.js';
export { gatewayAddressVariables, localGatewayJwksUrl } from './gateway-address.js';
export {
  checkSharedSettings,
  type SharedSettingName,
  type SharedSettings,
  type SharedSettingsVariables,
  sharedSettingsFrom,
  sharedSettingsVariables,
} from './shared-settings.js';
export {
  authDeprecatedNames,
  type Deprecation,
  type DeprecatedNames,
  gatewayDeprecatedNames,
  loadConfigWithDeprecatedNames,
  type ResolvedNames,
  resolveDeprecatedNames,
} from './deprecated-names.js';
export { interpolateEnv } from './interpolate-env.js';
export { readDataFile } from './read-data-file.js';
