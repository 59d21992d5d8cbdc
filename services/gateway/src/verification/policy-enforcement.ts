// Holds a request to its route's policy (decideAccess), and what a refusal leaves behind: the
// answer, a count, a log line and an audit event. Shared by the proxy hooks and /verify.
import type { SessionRecord } from '@authflow/sessions';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import type { AuditRecorder } from '../audit/audit-stream.js';
import { normalizeRequestHost } from '../config/hosts.js';
import type { ProxyRoute } from '../config/routes-file.js';
import type { GatewayMetrics } from '../observability/gateway-metrics.js';
import { type DenialSettings, sendPolicyDenial } from './denial.js';
import {
  decideAccess,
  hasRequestRules,
  isUnrestricted,
  type PolicyDecision,
  type PolicyRequest,
  policyOf,
  type RoutePolicy,
} from './route-policy.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route's policy, built once when the route is registered. */
    authflowPolicy?: RoutePolicy;
  }
}

export interface EnforcementDependencies {
  readonly metrics: GatewayMetrics;
  readonly audit: AuditRecorder;
  readonly denial: DenialSettings;
}

/** The request as its route's policy sees it: the router matched on the same host. */
export function policyRequestOf(request: FastifyRequest): PolicyRequest {
  return {
    method: request.method,
    host: normalizeRequestHost(request.headers.host),
    path: request.url.split('?', 1)[0] ?? '/',
  };
}

function policyFor(request: FastifyRequest, route: ProxyRoute): RoutePolicy {
  return request.routeOptions.config.authflowPolicy ?? policyOf(route);
}

/**
 * A verified session against every rule of the route. On a refusal the answer is sent (a page,
 * a redirect to the challenge) or thrown (403 JSON for the error handler), and false returned.
 */
export function holdToPolicy(
  request: FastifyRequest,
  reply: FastifyReply,
  session: SessionRecord,
  route: ProxyRoute,
  dependencies: EnforcementDependencies,
): boolean {
  const policy = policyFor(request, route);
  // The common case costs nothing: a route with no rule beyond its access mode.
  if (isUnrestricted(policy)) return true;
  const asked = policyRequestOf(request);
  const decision = decideAccess({ session, policy, request: asked });
  if (decision.kind === 'allow') return true;
  recordPolicyDenial(decision, {
    route,
    asked,
    session,
    sessionId: session.id,
    ip: request.ip,
    requestId: request.id,
    log: request.log,
    dependencies,
  });
  sendPolicyDenial(request, reply, decision, route.mode, dependencies.denial, session.email);
  return false;
}

/**
 * A request without a (good) session against the rules that need none (methods, hosts). Refuses
 * only what no session could change (`forbidden`) and returns true then; whether an anonymous
 * request may otherwise pass is the access mode's business.
 */
export function refusesAnonymously(
  request: FastifyRequest,
  reply: FastifyReply,
  route: ProxyRoute,
  dependencies: EnforcementDependencies,
  sessionId?: string,
): boolean {
  const policy = policyFor(request, route);
  if (!hasRequestRules(policy)) return false;
  const asked = policyRequestOf(request);
  const decision = decideAccess({ session: null, policy, request: asked });
  if (decision.kind === 'allow' || decision.code !== 'forbidden') return false;
  recordPolicyDenial(decision, {
    route,
    asked,
    session: null,
    sessionId: sessionId ?? null,
    ip: request.ip,
    requestId: request.id,
    log: request.log,
    dependencies,
  });
  sendPolicyDenial(request, reply, decision, route.mode, dependencies.denial);
  return true;
}

export interface DenialContext {
  /** The route the request matched; `undefined` for a /verify question no route covers. */
  readonly route: ProxyRoute | undefined;
  readonly asked: PolicyRequest;
  readonly session: Pick<SessionRecord, 'userId'> | null;
  readonly sessionId: string | null;
  readonly ip: string;
  readonly requestId: string;
  readonly log: FastifyBaseLogger;
  readonly dependencies: Pick<EnforcementDependencies, 'metrics' | 'audit'>;
  /** `verify` for a /verify question; the proxy otherwise. */
  readonly via?: 'proxy' | 'verify';
}

/** The count, the log line and the audit event of a policy refusal (never blocks the answer). */
export function recordPolicyDenial(
  decision: Extract<PolicyDecision, { kind: 'deny' }>,
  context: DenialContext,
): void {
  const { asked, session, dependencies } = context;
  dependencies.metrics.policyDenials.inc({ code: decision.code });
  const details = {
    route: context.route?.prefix ?? null,
    method: asked.method,
    host: asked.host,
    path: asked.path,
    code: decision.code,
    rule: decision.rule,
    reason: decision.reason,
    via: context.via ?? 'proxy',
  };
  context.log.info(
    {
      audit: true,
      event: 'access.denied',
      reason: decision.code,
      detail: decision.reason,
      rule: decision.rule,
      path: asked.path,
      sessionId: context.sessionId ?? undefined,
      userId: session?.userId,
      ip: context.ip,
    },
    'access denied by route policy',
  );
  dependencies.audit.record({
    type: 'access.denied',
    userId: session?.userId ?? null,
    sessionId: context.sessionId,
    ip: context.ip,
    requestId: context.requestId,
    details,
  });
}
