// POST /admin/generate_link for `signup`, `recovery` and `magiclink`: a token without sending email.
import { z } from 'zod';
import { authenticateAdmin } from '../authenticate.js';
import type { DoubleCore } from '../double-core.js';
import { assertValidEmail, normalizeEmail } from '../email-address.js';
import { goTrueErrors, GoTrueError } from '../gotrue-errors.js';
import { hashPassword } from '../password-hash.js';
import { assertPasswordAcceptable } from '../password-policy.js';
import { resolveRedirect } from '../redirects.js';
import { jsonReply } from '../reply.js';
import { optionalMetadata, optionalString, parseJsonBody, stringOrEmpty } from '../request-body.js';
import { isEmailConfirmed, type Metadata, type UserRecord } from '../user-store.js';
import { toWireUser } from '../user-view.js';
import type { RouteHandler } from '../double-request.js';

const generateLinkBody = z.object({
  type: optionalString,
  email: optionalString,
  password: optionalString,
  data: optionalMetadata,
  redirect_to: optionalString,
});

export const handleGenerateLink: RouteHandler = async (request, core) => {
  await authenticateAdmin(core, request);
  const body = parseJsonBody(request.rawBody, generateLinkBody);
  const type = stringOrEmpty(body.type);
  if (type !== 'signup' && type !== 'recovery' && type !== 'magiclink') {
    throw goTrueErrors.validationFailed(
      `Supabase test double: link type "${type}" is out of scope`,
    );
  }
  const email = normalizeEmail(stringOrEmpty(body.email));
  assertValidEmail(email);
  const user =
    type === 'signup'
      ? findOrCreateSignupUser(core, email, stringOrEmpty(body.password), body.data ?? {})
      : core.users.findByEmail(email);
  if (user === null) throw new GoTrueError(404, 'user_not_found', 'User with this email not found');
  const redirectTo = resolveRedirect(
    stringOrEmpty(body.redirect_to) || request.query.get('redirect_to'),
    core.settings(),
  ).effective;
  const kind = type === 'signup' ? 'confirmation' : 'recovery';
  const token = core.tokens.issue(user.id, user.email, kind, core.clock.now());
  const actionLink = new URL(`${core.issuer}/verify`);
  actionLink.search = new URLSearchParams({
    token: token.tokenHash,
    type,
    redirect_to: redirectTo,
  }).toString();
  return jsonReply(200, {
    ...toWireUser(user),
    action_link: actionLink.toString(),
    email_otp: token.otp,
    hashed_token: token.tokenHash,
    redirect_to: redirectTo,
    verification_type: type,
  });
};

function findOrCreateSignupUser(
  core: DoubleCore,
  email: string,
  password: string,
  data: Metadata,
): UserRecord {
  if (password === '') throw goTrueErrors.validationFailed('Signup requires a valid password');
  assertPasswordAcceptable(password, core.settings().passwordPolicy);
  const existing = core.users.findByEmail(email);
  if (existing !== null && isEmailConfirmed(existing)) throw goTrueErrors.emailExists();
  return (
    existing ??
    core.users.insert({ email, passwordHash: hashPassword(password), data, now: core.clock.now() })
  );
}
