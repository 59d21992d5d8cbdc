// GET /verify: the same verification for nginx auth_request, Traefik ForwardAuth, Caddy forward_auth.
import { expiredSessionCookie } from '@authflow/sessions';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { matchRoute } from '../config/match-route.js';
import type { ProxyRoute } from '../config/routes-file.js';
import { gatewayErrors } from '../errors/gateway-errors.js';
import type { AssertionSigner } from '../identity/assertion-signer.js';
import { identityHeaders } from '../proxy/upstream-headers.js';
import { type DenialSettings, loginUrl } from '../verification/denial.js';
import type { SessionVerifier } from '../verification/session-verifier.js';
import { isCanonicalPath } from '../http/canonical-path.js';

export interface ForwardAuthOptions {
  readonly verifier: SessionVerifier;
  readonly signer: AssertionSigner;
  readonly denial: DenialSettings;
  readonly routes: readonly ProxyRoute[];
  /** `aud` of assertions for paths no route covers. */
  readonly defaultAudience: string;
}

/** The URI the proxy is asking about: nginx sends X-Original-URI, Traefik and Caddy X-Forwarded-Uri. */
function originalUri(request: FastifyRequest): string {
  const header = request.headers['x-original-uri'] ?? request.headers['x-forwarded-uri'];
  const uri = typeof header === 'string' ? header : '/';
  return isCanonicalPath(uri) ? uri : '/';
}

export function forwardAuthRoutes(
  app: FastifyInstance,
  options: ForwardAuthOptions,
  done: () => void,
): void {
  app.route({
    method: ['GET', 'HEAD'],
    url: '/verify',
    config: { metricsRoute: 'verify' },
    handler: async (request, reply) => {
      const uri = originalUri(request);
      const outcome = await options.verifier.verify({
        headers: request.headers,
        ip: request.ip,
        requestId: request.id,
      });
      if (outcome.kind === 'unavailable') {
        throw gatewayErrors.create('session_store_unavailable', {
          headers: { 'retry-after': String(options.denial.retryAfterSeconds) },
        });
      }
      if (outcome.kind === 'deny') {
        const login = loginUrl(options.denial, uri);
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
              : { 'set-cookie': expiredSessionCookie(options.denial.cookieSecure) }),
          },
        });
      }
      const audience =
        matchRoute(options.routes, uri.split('?', 1)[0] ?? '/')?.upstream ??
        options.defaultAudience;
      const assertion = await options.signer.assertionFor(outcome.session, audience);
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
