// POST /token: the password grant, the refresh-token grant (rotation, single use) and PKCE (oauth.ts).
import { z } from 'zod';
import { normalizeEmail } from '../email-address.js';
import { goTrueErrors } from '../gotrue-errors.js';
import { handlePkceGrant } from '../oauth.js';
import { isPasswordMatch } from '../password-hash.js';
import { findPasswordWeakness } from '../password-policy.js';
import { optionalString, parseJsonBody, stringOrEmpty } from '../request-body.js';
import { sessionReply, startSession } from '../session-issuer.js';
import { isBanned, isEmailConfirmed } from '../user-store.js';
import type { RouteHandler } from '../double-request.js';

const passwordGrantBody = z.object({
  email: optionalString,
  phone: optionalString,
  password: optionalString,
});

const refreshGrantBody = z.object({ refresh_token: optionalString });

export const handleToken: RouteHandler = (request, core) => {
  const grantType = request.query.get('grant_type') ?? '';
  if (grantType === 'password') return passwordGrant(request, core);
  if (grantType === 'refresh_token') return refreshTokenGrant(request, core);
  if (grantType === 'pkce') return handlePkceGrant(request, core);
  throw goTrueErrors.invalidCredentials('unsupported_grant_type');
};

/**
 * Unknown email and wrong password are indistinguishable; `email_not_confirmed` needs the
 * password; `user_banned` does not (it comes first).
 */
const passwordGrant: RouteHandler = async (request, core) => {
  const body = parseJsonBody(request.rawBody, passwordGrantBody);
  const email = normalizeEmail(stringOrEmpty(body.email));
  const phone = stringOrEmpty(body.phone);
  if ((email === '') === (phone === '')) {
    throw goTrueErrors.validationFailed(
      'Only an email address or phone number should be provided on login.',
    );
  }
  const password = stringOrEmpty(body.password);
  const user = email === '' ? null : core.users.findByEmail(email);
  if (user?.passwordHash == null) throw goTrueErrors.invalidCredentials();
  // GoTrue checks a ban before the password: `user_banned` says nothing about the password.
  if (isBanned(user, core.clock.now())) throw goTrueErrors.userBannedAtSignIn();
  if (!isPasswordMatch(password, user.passwordHash)) throw goTrueErrors.invalidCredentials();
  if (!isEmailConfirmed(user)) throw goTrueErrors.emailNotConfirmed();
  const weakness = findPasswordWeakness(password, core.settings().passwordPolicy);
  const extra =
    weakness === null
      ? {}
      : { weak_password: { message: weakness.message, reasons: [...weakness.reasons] } };
  return startSession(core, user, 'password', extra);
};

/** Session gone wins over reuse; reuse revokes the whole token family of the session. */
const refreshTokenGrant: RouteHandler = async (request, core) => {
  const body = parseJsonBody(request.rawBody, refreshGrantBody);
  const token = stringOrEmpty(body.refresh_token);
  if (token === '') throw goTrueErrors.refreshTokenRequired();
  const record = core.sessions.findRefreshToken(token);
  if (record === null) throw goTrueErrors.refreshTokenMissing();
  const user = core.users.findById(record.userId);
  if (user !== null && isBanned(user, core.clock.now())) throw goTrueErrors.refreshUserBanned();
  const session = core.sessions.find(record.sessionId);
  if (user === null || session === null) throw goTrueErrors.refreshSessionMissing();
  if (record.revoked) {
    core.sessions.revokeFamily(session.id);
    throw goTrueErrors.refreshTokenUsed();
  }
  record.revoked = true;
  return sessionReply(core, user, session);
};
