// Public surface of @authflow/config.
export { env } from './env.js';
export { ConfigError, type DeepReadonly, deepFreeze, loadConfig } from './load-config.js';
export { gatewayAddressVariables, localGatewayJwksUrl } from './gateway-address.js';
