// The protected context's hook: verify, then either deny or hand the identity to the proxy.
import type { SessionRecord } from '@authflow/sessions';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ProxyRoute } from '../config/routes-file.js';
import type { AssertionSigner } from '../identity/assertion-signer.js';
import type { WebSocketRegistry } from '../proxy/websocket-registry.js';
import { type DenialSettings, sendDenial, sendUnavailable } from './denial.js';
import type { SessionVerifier } from './session-verifier.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set on protected routes once the session is verified; what the upstream is told. */
    authflowIdentity: { session: SessionRecord; assertion: string } | null;
  }
  interface FastifyContextConfig {
    authflowRoute?: ProxyRoute;
  }
}

export interface VerificationDependencies {
  readonly verifier: SessionVerifier;
  readonly signer: AssertionSigner;
  readonly websockets: WebSocketRegistry;
  readonly denial: DenialSettings;
}

/**
 * Registered inside the protected context only: encapsulation decides what is protected, not a
 * URL check. Runs at onRequest, before any body is read.
 */
export function protectRoutes(
  scope: FastifyInstance,
  dependencies: VerificationDependencies,
): void {
  scope.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const route = request.routeOptions.config.authflowRoute;
    if (route === undefined) throw new Error('protected route without route configuration');
    const outcome = await dependencies.verifier.verify({
      headers: request.headers,
      ip: request.ip,
      requestId: request.id,
    });
    if (outcome.kind === 'unavailable')
      return sendUnavailable(request, reply, route.mode, dependencies.denial);
    if (outcome.kind === 'deny') {
      request.log.info(
        {
          audit: true,
          event: 'access.denied',
          reason: outcome.reason,
          path: request.url.split('?', 1)[0],
          sessionId: outcome.sessionId,
          ip: request.ip,
        },
        'access denied',
      );
      return sendDenial(request, reply, outcome.reason, route.mode, dependencies.denial);
    }
    const assertion = await dependencies.signer.assertionFor(outcome.session, route.upstream);
    request.authflowIdentity = { session: outcome.session, assertion };
    if (request.headers.upgrade?.toLowerCase() === 'websocket') {
      dependencies.websockets.expect(request.raw.socket, outcome.session);
    }
    return undefined;
  });
}
