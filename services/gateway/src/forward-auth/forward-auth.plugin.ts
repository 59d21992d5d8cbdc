// GET /verify: the same verification for nginx auth_request, Traefik ForwardAuth, Caddy forward_auth.
import { expiredSessionCookie } from '@authflow/sessions';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { GatewayConfig } from '../config/load-config.js';
import { normalizeRequestHost } from '../config/hosts.js';
import { matchRoute } from '../config/match-route.js';
import { isProxyRoute } from '../config/routes-file.js';
import { gatewayErrors } from '../errors/gateway-errors.js';
import { isCanonicalPath } from '../http/canonical-path.js';
import { identityHeaders } from '../proxy/upstream-headers.js';
import { loginUrl, mfaUrl } from '../verification/denial.js';
import { recordPolicyDenial } from '../verification/policy-enforcement.js';
import { decideAccess, type PolicyRequest, policyOf } from '../verification/route-policy.js';

/** The URI the proxy is asking about: nginx sends X-Original-URI, Traefik and Caddy X-Forwarded-Uri. */
function originalUri(request: FastifyRequest): string {
  const header = request.headers['x-original-uri'] ?? request.headers['x-forwarded-uri'];
  const uri = typeof header === 'string' ? header : '/';
  return isCanonicalPath(uri) ? uri : '/';
}

/**
 * The request the proxy asks about, as the route policy sees it. Its host is X-Forwarded-Host
 * when a trusted proxy sends it (fastify's `request.host`), else the Host header.
 */
function originalRequest(request: FastifyRequest, uri: string): PolicyRequest {
  const method = request.headers['x-original-method'] ?? request.headers['x-forwarded-method'];
  return {
    method: typeof method === 'string' && method !== '' ? method.toUpperCase() : 'GET',
    host: normalizeRequestHost(request.host),
    path: uri.split('?', 1)[0] ?? '/',
  };
}

function forwardAuthRoutes(
  app: FastifyInstance,
  { config }: { config: GatewayConfig },
  done: () => void,
): void {
  const { verifier, signer, denial, metrics, audit } = app.verification;
  const routes = config.routes.routes.filter(isProxyRoute);
  /** `aud` of assertions for paths no route covers. */
  const defaultAudience = config.assertion.forwardAuthAudience;
  app.route({
    method: ['GET', 'HEAD'],
    url: '/verify',
    config: { metricsRoute: 'verify' },
    handler: async (request, reply) => {
      const uri = originalUri(request);
      const outcome = await verifier.verify({
        headers: request.headers,
        ip: request.ip,
        requestId: request.id,
      });
      if (outcome.kind === 'unavailable') {
        throw gatewayErrors.create('session_store_unavailable', {
          headers: { 'retry-after': String(denial.retryAfterSeconds) },
        });
      }
      if (outcome.kind === 'deny') {
        const login = loginUrl(denial, uri);
        request.log.info(
          {
            audit: true,
            event: 'access.denied',
            reason: outcome.reason,
            path: uri.split('?', 1)[0],
            ip: request.ip,
          },
          'forward-auth denied',
        );
        throw gatewayErrors.create(outcome.reason, {
          details: { login_url: login },
          headers: {
            location: login,
            ...(outcome.reason === 'unauthenticated'
              ? {}
              : { 'set-cookie': expiredSessionCookie(denial.cookieSecure) }),
          },
        });
      }
      const asked = originalRequest(request, uri);
      const route = matchRoute(routes, asked.path, asked.host);
      // The route's policy holds here as when the gateway proxies the route itself; a question
      // about a path no route covers is held to no rule beyond a verified session.
      const decision = decideAccess({
        session: outcome.session,
        policy: policyOf(route),
        request: asked,
      });
      if (decision.kind === 'deny') {
        recordPolicyDenial(decision, {
          route,
          asked,
          session: outcome.session,
          sessionId: outcome.session.id,
          ip: request.ip,
          requestId: request.id,
          log: request.log,
          dependencies: { metrics, audit },
          via: 'verify',
        });
        if (decision.code !== 'mfa_required') throw gatewayErrors.create('forbidden');
        // As with 401 and the login page: the proxy can send a browser to Location.
        const challenge = mfaUrl(denial, uri);
        throw gatewayErrors.create('mfa_required', {
          details: { mfa_url: challenge },
          headers: { location: challenge },
        });
      }
      const audience = route?.upstream ?? defaultAudience;
      const assertion = await signer.assertionFor(outcome.session, audience);
      return reply
        .headers(identityHeaders({ session: outcome.session, assertion }))
        .header('x-request-id', request.id)
        .header('cache-control', 'no-store')
        .code(200)
        .send();
    },
  });
  done();
}

export const forwardAuthPlugin = fp(forwardAuthRoutes, {
  name: '@authflow/gateway-forward-auth',
  fastify: '5.x',
  dependencies: ['@authflow/gateway-verification'],
});
