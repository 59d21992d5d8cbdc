// POST /verify: redeems an email-link token (by token_hash, or email + 6-digit token) for a session.
import { z } from 'zod';
import { normalizeEmail } from '../email-address.js';
import { goTrueErrors } from '../gotrue-errors.js';
import { computeTokenHash, type OneTimeTokenKind } from '../one-time-tokens.js';
import { optionalString, parseJsonBody, stringOrEmpty } from '../request-body.js';
import { startSession } from '../session-issuer.js';
import { jsonReply, type Reply } from '../reply.js';
import { confirmEmail, isBanned, type UserRecord } from '../user-store.js';
import type { DoubleCore } from '../double-core.js';
import type { RouteHandler } from '../double-request.js';

const verifyBody = z.object({
  type: optionalString,
  token_hash: optionalString,
  token: optionalString,
  email: optionalString,
  phone: optionalString,
  redirect_to: optionalString,
});

/** Which stored token kinds each type may redeem; types out of the double's scope redeem none. */
const KINDS_BY_TYPE: Readonly<Record<string, readonly OneTimeTokenKind[]>> = {
  signup: ['confirmation'],
  email: ['confirmation', 'recovery'],
  recovery: ['recovery'],
  magiclink: ['recovery'],
  invite: [],
  email_change: ['email_change_new', 'email_change_current'],
  sms: [],
  phone_change: [],
};

export const handleVerify: RouteHandler = async (request, core) => {
  const body = parseJsonBody(request.rawBody, verifyBody);
  const type = stringOrEmpty(body.type);
  if (type === '') throw goTrueErrors.validationFailed('Verify requires a verification type');
  const kinds = KINDS_BY_TYPE[type];
  if (kinds === undefined) throw goTrueErrors.validationFailed('Unsupported verification type');
  const tokenHash = findTokenHash(body);
  const token = core.tokens.findByHash(tokenHash);
  const now = core.clock.now();
  if (token === null || !kinds.includes(token.kind)) throw goTrueErrors.otpExpired();
  const user = core.users.findById(token.userId);
  if (user === null) throw goTrueErrors.otpExpired();
  // GoTrue's order: the user behind the link, then a ban, then the link's age.
  if (isBanned(user, now)) throw goTrueErrors.userBanned();
  if (now - token.createdAt > core.settings().otpExpirySeconds * 1000)
    throw goTrueErrors.otpExpired();
  core.tokens.consume(token.tokenHash);
  if (token.kind === 'email_change_new' || token.kind === 'email_change_current')
    return completeEmailChange(core, user, token.kind, now);
  // Both kinds prove control of the address, so both confirm it.
  confirmEmail(user, now);
  return startSession(core, user, 'otp');
};

function findTokenHash(body: z.infer<typeof verifyBody>): string {
  const tokenHash = stringOrEmpty(body.token_hash);
  const token = stringOrEmpty(body.token);
  const email = normalizeEmail(stringOrEmpty(body.email));
  const others = [token, email, stringOrEmpty(body.phone), stringOrEmpty(body.redirect_to)];
  if (tokenHash !== '') {
    if (others.some((value) => value !== '')) {
      throw goTrueErrors.validationFailed('Only the token_hash and type should be provided');
    }
    return tokenHash;
  }
  if (token === '') {
    throw goTrueErrors.validationFailed('Verify requires either a token or a token hash');
  }
  // Phone OTPs are out of scope: no stored token ever matches them.
  return email === '' ? '' : computeTokenHash(email, token);
}

/**
 * Reference 11.1: with secure email change the first of the two links only answers the
 * `{msg, code: "200"}` half-step; the last one moves the account to the new address, clears
 * the user's other tokens and opens a session.
 */
function completeEmailChange(
  core: DoubleCore,
  user: UserRecord,
  kind: 'email_change_new' | 'email_change_current',
  now: number,
): Reply | Promise<Reply> {
  const newEmail = user.newEmail;
  if (newEmail === null) throw goTrueErrors.otpExpired();
  const other = kind === 'email_change_new' ? 'email_change_current' : 'email_change_new';
  if (core.tokens.hasForUser(user.id, other)) {
    return jsonReply(200, {
      msg: 'Confirmation link accepted. Please proceed to confirm link sent to the other email',
      code: '200',
    });
  }
  const holder = core.users.findByEmail(newEmail);
  if (holder !== null && holder.id !== user.id) throw goTrueErrors.emailExists();
  core.users.changeEmail(user.id, newEmail, now);
  core.tokens.removeForUser(user.id);
  confirmEmail(user, now);
  return startSession(core, user, 'otp');
}
