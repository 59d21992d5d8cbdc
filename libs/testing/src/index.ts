// Public surface of @authflow/testing (test support only; never imported by service code).
import './provided-context.js';

export { getFreePort } from './free-port.js';
export { findNginx, type NginxHandle, startNginx } from './nginx.js';
export {
  isRedisServerInstalled,
  type RedisServerHandle,
  type RedisServerOptions,
  startRedisServer,
} from './redis-server.js';
export { uniquePrefix } from './unique-prefix.js';
