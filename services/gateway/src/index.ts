// What other workspaces (all-in-one start, benchmarks, tests) use of the gateway.
export { buildGatewayApp, type GatewayDependencies } from './app.js';
export type { AuditSink, GatewayAuditEvent } from './audit/audit-stream.js';
export {
  DEFAULT_ROUTES_FILE,
  type GatewayConfig,
  loadGatewayConfig,
} from './config/load-config.js';
export { parseRoutes, type RoutesFile } from './config/routes-file.js';
export { gatewayErrors } from './errors/gateway-errors.js';
export { generateSigningKeys, loadSigningKeys, type SigningKeys } from './identity/signing-keys.js';
