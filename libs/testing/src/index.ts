// Public surface of @authflow/testing (test support only; never imported by service code).
import './provided-context.js';

export {
  type Browser,
  chromeOnMac,
  deviceLabelOf,
  fingerprintOf,
  firefoxOnLinux,
} from './browsers.js';
export { captureLogs } from './capture-logs.js';
export { getFreePort } from './free-port.js';
export { type JwksServer, type JwksServerMode, startJwksServer } from './jwks-server.js';
export { findNginx, type NginxHandle, startNginx } from './nginx.js';
export {
  startTestOpenIdProvider,
  type TestOpAccount,
  type TestOpClient,
  type TestOpenIdProvider,
  type TestOpenIdProviderOptions,
} from './oidc-provider.js';
export { documentedVariables, registeredErrors } from './readme-tables.js';
export {
  isRedisServerInstalled,
  type RedisServerHandle,
  type RedisServerOptions,
  startRedisServer,
} from './redis-server.js';
export { type ParsedMail, parseMail } from './parse-mime.js';
export { type ConnectionOptions, type Response, sendRaw } from './send-raw.js';
export {
  type ReceivedMail,
  startTestSmtpServer,
  type TestSmtpServer,
  type TestSmtpServerOptions,
} from './test-smtp-server.js';
export { type ReceivedRequest, startTestUpstream, type TestUpstream } from './test-upstream.js';
export { uniquePrefix } from './unique-prefix.js';
