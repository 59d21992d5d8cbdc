// GET /verify: the same verification for nginx auth_request, Traefik ForwardAuth, Caddy forward_auth.
import { expiredSessionCookie } from '@authflow/sessions';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { GatewayConfig } from '../config/load-config.js';
import { matchRoute } from '../config/match-route.js';
import { isProxyRoute } from '../config/routes-file.js';
import { gatewayErrors } from '../errors/gateway-errors.js';
import { isCanonicalPath } from '../http/canonical-path.js';
import { identityHeaders } from '../proxy/upstream-headers.js';
import { loginUrl } from '../verification/denial.js';

/** The URI the proxy is asking about: nginx sends X-Original-URI, Traefik and Caddy X-Forwarded-Uri. */
function originalUri(request: FastifyRequest): string {
  const header = request.headers['x-original-uri'] ?? request.headers['x-forwarded-uri'];
  const uri = typeof header === 'string' ? header : '/';
  return isCanonicalPath(uri) ? uri : '/';
}

function forwardAuthRoutes(
  app: FastifyInstance,
  { config }: { config: GatewayConfig },
  done: () => void,
): void {
  const { verifier, signer, denial } = app.verification;
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
      const audience = matchRoute(routes, uri.split('?', 1)[0] ?? '/')?.upstream ?? defaultAudience;
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
