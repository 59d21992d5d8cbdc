// Builds GoTrue's access-token response (Session): signed JWT, fresh refresh token, user, id headers.
import { toEpochSeconds } from './clock.js';
import type { DoubleCore } from './double-core.js';
import { jsonReply, type Reply } from './reply.js';
import { sessionAal, type SessionRecord } from './session-store.js';
import { recordSignIn, type UserRecord } from './user-store.js';
import { toWireUser } from './user-view.js';

export type AmrMethod = 'password' | 'otp';

/** Starts a new session for `user` (sign-in, verify, autoconfirmed sign-up) and answers with it. */
export async function startSession(
  core: DoubleCore,
  user: UserRecord,
  method: AmrMethod,
  extra: Readonly<Record<string, unknown>> = {},
): Promise<Reply> {
  const now = core.clock.now();
  recordSignIn(user, now);
  const session = core.sessions.create(user.id, { method, timestamp: toEpochSeconds(now) }, now);
  return sessionReply(core, user, session, extra);
}

/** Answers with a new access token and refresh token for an existing session. */
export async function sessionReply(
  core: DoubleCore,
  user: UserRecord,
  session: SessionRecord,
  extra: Readonly<Record<string, unknown>> = {},
): Promise<Reply> {
  const iat = toEpochSeconds(core.clock.now());
  const expiresIn = core.settings().jwtExpirySeconds;
  const accessToken = await core.signer.sign({
    iss: core.issuer,
    sub: user.id,
    aud: 'authenticated',
    exp: iat + expiresIn,
    iat,
    email: user.email,
    phone: '',
    // GoTrue copies the user's app_metadata into every token it issues.
    app_metadata: structuredClone(user.appMetadata),
    user_metadata: { ...user.userMetadata },
    role: 'authenticated',
    aal: sessionAal(session),
    amr: session.amr.map((entry) => ({ ...entry })),
    session_id: session.id,
    is_anonymous: false,
  });
  const body = {
    access_token: accessToken,
    token_type: 'bearer',
    expires_in: expiresIn,
    expires_at: iat + expiresIn,
    refresh_token: core.sessions.issueRefreshToken(session),
    user: toWireUser(user),
    ...extra,
  };
  return jsonReply(200, body, { 'sb-auth-user-id': user.id, 'sb-auth-session-id': session.id });
}
