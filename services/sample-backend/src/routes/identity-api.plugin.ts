// GET /app/api/profile (the verified identity) and /app/api/headers (what the gateway forwarded).
import type { AssertionIdentity } from '@authflow/gateway-assertion';
import type { FastifyInstance } from 'fastify';
import { APP_PATHS } from '../app-paths.js';
import { requireIdentity } from '../identity/require-identity.js';
import { visibleHeaders } from './visible-headers.js';

export interface Profile {
  readonly user_id: string;
  readonly email: string;
  readonly roles: readonly string[];
  readonly session_id: string;
  readonly amr: readonly string[];
  /** `aal1` (a password) or `aal2` (and a second factor). */
  readonly aal: 'aal1' | 'aal2';
  /** Who vouched for the user: `builtin`, `supabase`, or an outside provider's id (`google`). */
  readonly provider: string;
  /** ISO 8601, like the auth service's `_at` fields. */
  readonly issued_at: string;
  readonly expires_at: string;
}

export function toProfile(identity: AssertionIdentity): Profile {
  return {
    user_id: identity.userId,
    email: identity.email,
    roles: identity.roles,
    session_id: identity.sessionId,
    amr: identity.amr,
    aal: identity.aal,
    provider: identity.provider,
    issued_at: new Date(identity.issuedAt * 1_000).toISOString(),
    expires_at: new Date(identity.expiresAt * 1_000).toISOString(),
  };
}

export function identityApiRoutes(app: FastifyInstance, _options: object, done: () => void): void {
  // Personal data: never cached by the browser or anything in between.
  app.addHook('onSend', (_request, reply, payload, next) => {
    void reply.header('cache-control', 'no-store');
    next(null, payload);
  });

  app.get(APP_PATHS.profile, (request) => toProfile(requireIdentity(request)));

  app.get(APP_PATHS.headers, (request) => {
    requireIdentity(request);
    return visibleHeaders(request.headers);
  });
  done();
}
