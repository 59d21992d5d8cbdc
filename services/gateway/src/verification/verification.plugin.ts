// The session verification the protected and optional contexts share, and their hooks: one
// verification, then deny, pass, or hand the identity to the proxy.
import { expiredSessionCookie, type SessionRecord } from '@authflow/sessions';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { AuditRecorder } from '../audit/audit-stream.js';
import type { GatewayConfig } from '../config/load-config.js';
import type { ProxyRoute } from '../config/routes-file.js';
import type { AssertionSigner } from '../identity/assertion-signer.js';
import type { GatewayMetrics } from '../observability/gateway-metrics.js';
import type { WebSocketRegistry } from '../proxy/websocket-registry.js';
import { type DenialSettings, sendDenial, sendUnavailable } from './denial.js';
import { holdToPolicy, refusesAnonymously } from './policy-enforcement.js';
import { type Outcome, SessionVerifier } from './session-verifier.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** What the protected and optional contexts' hooks and /verify need. */
    verification: VerificationDependencies;
  }
  interface FastifyRequest {
    /** Set on protected and optional routes once the session is verified; what the upstream is told. */
    authflowIdentity: { session: SessionRecord; assertion: string } | null;
  }
  interface FastifyContextConfig {
    authflowRoute?: ProxyRoute;
  }
}

export interface VerificationDependencies {
  readonly verifier: SessionVerifier;
  readonly metrics: GatewayMetrics;
  readonly signer: AssertionSigner;
  readonly websockets: WebSocketRegistry;
  readonly denial: DenialSettings;
  readonly audit: AuditRecorder;
}

/** Builds the verifier from config and the sessions, signer and WebSockets plugins. */
export const verificationPlugin = fp(
  (app: FastifyInstance, options: { config: GatewayConfig }, done: () => void): void => {
    const { config } = options;
    app.decorate('verification', {
      verifier: new SessionVerifier({
        access: app.sessions.access,
        metrics: app.gatewayMetrics,
        logger: app.log,
        audit: app.audit,
        cookieName: config.sessions.cookieName,
        policy: config.fingerprint.policy,
        ipGranularity: config.fingerprint.ipGranularity,
      }),
      metrics: app.gatewayMetrics,
      signer: app.identity.signer,
      websockets: app.websocketRegistry,
      audit: app.audit,
      denial: {
        cookieSecure: config.sessions.cookieSecure,
        loginPath: config.handoff.loginPath,
        mfaPath: config.handoff.mfaPath,
        logoutPath: config.handoff.logoutPath,
        handoffSecret: config.handoff.secret,
        retryAfterSeconds: config.server.retryAfterSeconds,
      },
    });
    done();
  },
  {
    name: '@authflow/gateway-verification',
    fastify: '5.x',
    dependencies: [
      '@authflow/gateway-metrics',
      '@authflow/gateway-sessions',
      '@authflow/gateway-identity',
      '@authflow/gateway-websockets',
      '@authflow/gateway-audit',
    ],
  },
);

/**
 * Registered inside the protected context only: encapsulation decides what is protected, not a
 * URL check. Runs at onRequest, before any body is read.
 */
export function protectRoutes(
  scope: FastifyInstance,
  dependencies: VerificationDependencies,
): void {
  scope.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const route = routeOf(request);
    const outcome = await verifyRequestSession(request, dependencies);
    if (outcome.kind === 'unavailable')
      return sendUnavailable(request, reply, route.mode, dependencies.denial);
    if (outcome.kind === 'deny') {
      // A session the store no longer knows (or just revoked) is cleared from the browser too.
      if (outcome.reason !== 'unauthenticated')
        void reply.header('set-cookie', expiredSessionCookie(dependencies.denial.cookieSecure));
      // A method or host the route refuses to everyone is refused as such: signing in would not
      // help, so the browser is not sent to the login page only to be refused after it.
      if (refusesAnonymously(request, reply, route, dependencies, outcome.sessionId)) return reply;
      request.log.info(
        {
          audit: true,
          event: 'access.denied',
          reason: outcome.reason,
          path: pathOf(request),
          sessionId: outcome.sessionId,
          ip: request.ip,
        },
        'access denied',
      );
      return sendDenial(request, reply, outcome.reason, route.mode, dependencies.denial);
    }
    if (!holdToPolicy(request, reply, outcome.session, route, dependencies)) return reply;
    await attachIdentity(request, outcome.session, route, dependencies);
    return undefined;
  });
}

/**
 * Registered inside the optional context only (login and account pages, the auth API): the same
 * verification as on a protected route, but its outcome never stops the request. A good session
 * is attached; a bad cookie (unknown, expired, revoked, another device) is expired in the
 * response, as a denial would, and the request goes on without identity. While the store cannot
 * answer, the request also goes on without identity but the cookie is kept: it may be fine, and
 * the login page must keep working during a Redis outage. Never is an unverified identity
 * attached: inbound x-authflow-* headers are stripped for every route when proxying. Only the
 * route's policy can stop a request here: its methods and hosts for everyone, the rest for a
 * session that is presented.
 */
export function identifyOptionally(
  scope: FastifyInstance,
  dependencies: VerificationDependencies,
): void {
  scope.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const route = routeOf(request);
    // Most visitors of the login pages have no session: nothing to verify, and no verdict to
    // count (verdicts_total counts decisions about sessions, not page views).
    if (!dependencies.verifier.carriesSessionCookie(request.headers))
      return refusesAnonymously(request, reply, route, dependencies) ? reply : undefined;
    const outcome = await verifyRequestSession(request, dependencies);
    if (outcome.kind === 'allow') {
      // A session that is presented must meet the route's policy: the upstream never hears of
      // an identity below it (anonymous visitors still pass, as on any optional route).
      if (!holdToPolicy(request, reply, outcome.session, route, dependencies)) return reply;
      await attachIdentity(request, outcome.session, route, dependencies);
      return undefined;
    }
    if (outcome.kind === 'deny' && outcome.reason !== 'unauthenticated') {
      // Proxied responses carry it too (forward-http merges it with the upstream's cookies).
      void reply.header('set-cookie', expiredSessionCookie(dependencies.denial.cookieSecure));
      request.log.info(
        {
          event: 'session.ignored',
          reason: outcome.reason,
          path: pathOf(request),
          sessionId: outcome.sessionId,
          ip: request.ip,
        },
        'session cookie not valid; passing without identity',
      );
    }
    return refusesAnonymously(request, reply, route, dependencies, outcome.sessionId)
      ? reply
      : undefined;
  });
}

/**
 * Registered inside the public context when a public route has methods or hosts: no session is
 * looked at, but those hold for everyone.
 */
export function enforceRequestRules(
  scope: FastifyInstance,
  dependencies: VerificationDependencies,
): void {
  scope.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) =>
    refusesAnonymously(request, reply, routeOf(request), dependencies) ? reply : undefined,
  );
}

function routeOf(request: FastifyRequest): ProxyRoute {
  const route = request.routeOptions.config.authflowRoute;
  if (route === undefined) throw new Error('verified route without route configuration');
  return route;
}

const pathOf = (request: FastifyRequest): string | undefined => request.url.split('?', 1)[0];

/** The one verification both access modes run; they differ only in what they do with it. */
function verifyRequestSession(
  request: FastifyRequest,
  dependencies: VerificationDependencies,
): Promise<Outcome> {
  return dependencies.verifier.verify({
    headers: request.headers,
    ip: request.ip,
    requestId: request.id,
  });
}

/** What the upstream is told (assertion for its name), and a WebSocket tied to its session. */
async function attachIdentity(
  request: FastifyRequest,
  session: SessionRecord,
  route: ProxyRoute,
  dependencies: VerificationDependencies,
): Promise<void> {
  const assertion = await dependencies.signer.assertionFor(session, route.upstream);
  request.authflowIdentity = { session, assertion };
  if (request.headers.upgrade?.toLowerCase() === 'websocket') {
    dependencies.websockets.expect(request.raw.socket, session);
  }
}
