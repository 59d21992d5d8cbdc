// Bearer-token checks of GoTrue's user routes and admin routes (reference sections 2.3, 2.8, 2.10).
import type { JWTPayload } from 'jose';
import type { DoubleCore } from './double-core.js';
import type { DoubleRequest } from './double-request.js';
import { goTrueErrors } from './gotrue-errors.js';
import type { SessionRecord } from './session-store.js';
import { isBanned, type UserRecord } from './user-store.js';

export interface AuthenticatedUser {
  readonly user: UserRecord;
  /** `null` only for a JWT without `session_id` (minted through the side channel). */
  readonly session: SessionRecord | null;
  readonly claims: JWTPayload;
}

const ADMIN_ROLES: ReadonlySet<unknown> = new Set(['service_role', 'supabase_admin']);

export function readBearer(headers: Readonly<Record<string, string>>): string | null {
  const match = /^[Bb]earer (\S+)$/.exec(headers.authorization ?? '');
  return match?.[1] ?? null;
}

async function verifyBearer(core: DoubleCore, token: string): Promise<JWTPayload> {
  try {
    return await core.signer.verify(token, core.clock.now());
  } catch (error) {
    throw goTrueErrors.badJwt(error instanceof Error ? error.message : 'invalid token');
  }
}

/** 401 no bearer, 403 bad/expired JWT, 403 user gone, 403 session gone (signed out), 403 banned. */
export async function authenticateUser(
  core: DoubleCore,
  request: DoubleRequest,
): Promise<AuthenticatedUser> {
  const token = readBearer(request.headers);
  if (token === null) throw goTrueErrors.noAuthorization();
  const claims = await verifyBearer(core, token);
  if (claims.aud !== 'authenticated') {
    throw goTrueErrors.validationFailed("Token audience doesn't match request audience");
  }
  const user = typeof claims.sub === 'string' ? core.users.findById(claims.sub) : null;
  if (user === null || user.deletedAt !== null) throw goTrueErrors.jwtUserMissing();
  const sessionId = claims.session_id;
  if (sessionId === undefined) {
    if (isBanned(user, core.clock.now())) throw goTrueErrors.userBanned();
    return { user, session: null, claims };
  }
  const session = typeof sessionId === 'string' ? core.sessions.find(sessionId) : null;
  if (session === null || session.userId !== user.id) throw goTrueErrors.jwtSessionMissing();
  // Tokens issued before a ban stop working on user routes at once.
  if (isBanned(user, core.clock.now())) throw goTrueErrors.userBanned();
  return { user, session, claims };
}

/**
 * Admin = the service key itself (what the platform gateway turns into a service-role JWT) or a
 * JWT with an admin role. The anon key stands for role `anon`, hence `not_admin`.
 */
export async function authenticateAdmin(core: DoubleCore, request: DoubleRequest): Promise<void> {
  const token = readBearer(request.headers);
  if (token === null) throw goTrueErrors.noAuthorization();
  if (token === core.keys.serviceRoleKey) return;
  if (token === core.keys.anonKey) throw goTrueErrors.notAdmin();
  const claims = await verifyBearer(core, token);
  if (!ADMIN_ROLES.has(claims.role)) throw goTrueErrors.notAdmin();
}
