// `@authflow/gateway/policy`: the gateway's route policy without its server, for the admin API
// and CLI (issue 17): load a routes file, match a request, decide, explain. No fastify, no Redis.
export {
  type AccessExplanation,
  type ExplainedDecision,
  type ExplainedRoute,
  type ExplainRequest,
  explainAccess,
} from './explain-access.js';
export type { RuleCheck } from './rule-checks.js';
export { DEFAULT_ROUTES_FILE, loadRoutesFile } from '../config/read-routes-file.js';
export {
  isProxyRoute,
  parseRoutes,
  type ProxyRoute,
  type RedirectRoute,
  type RouteConfig,
  type RoutesFile,
} from '../config/routes-file.js';
export { matchRoute } from '../config/match-route.js';
export { normalizeRequestHost } from '../config/hosts.js';
export { PROXIED_METHODS, ROLE_NAME } from '../config/route-policy-fields.js';
export {
  decideAccess,
  type PolicyDecision,
  type PolicyDenialCode,
  type PolicyInput,
  type PolicyRequest,
  type PolicyRule,
  type PolicyRuleName,
  policyOf,
  type RoleMatch,
  ROUTE_RULES,
  type RouteAccess,
  type RoutePolicy,
  type RuleOutcome,
  type SessionFacts,
} from '../verification/route-policy.js';
