// GET /user and PUT /user (password and metadata updates) for the bearer's own account.
import { z } from 'zod';
import { authenticateUser } from '../authenticate.js';
import { assertValidEmail, normalizeEmail } from '../email-address.js';
import { sendEmailChangeLinks } from '../email-links.js';
import { hasVerifiedFactor } from '../factors.js';
import { goTrueErrors } from '../gotrue-errors.js';
import { hashPassword, isPasswordMatch } from '../password-hash.js';
import { assertPasswordAcceptable } from '../password-policy.js';
import { resolveRedirect } from '../redirects.js';
import { jsonReply } from '../reply.js';
import { optionalMetadata, optionalString, parseJsonBody } from '../request-body.js';
import { sessionAal } from '../session-store.js';
import { mergeMetadata } from '../user-store.js';
import { toWireUser } from '../user-view.js';
import type { RouteHandler } from '../double-request.js';

const updateUserBody = z.object({
  password: optionalString,
  data: optionalMetadata,
  email: optionalString,
  phone: optionalString,
});

export const handleGetUser: RouteHandler = async (request, core) => {
  const { user } = await authenticateUser(core, request);
  return jsonReply(200, toWireUser(user));
};

/**
 * Password change: 400 over 72 bytes, 422 weak, 422 same password; a user with a verified
 * factor needs an aal2 session to change password or email (401 `insufficient_aal`). On success the user's
 * outstanding email-link tokens are cleared and every other session is logged out.
 * Email change (reference 11.1): 422 `email_exists` when taken, 429 inside the mail window;
 * otherwise links are mailed and only `new_email` is set (the address is the same one).
 */
export const handleUpdateUser: RouteHandler = async (request, core) => {
  const { user, session } = await authenticateUser(core, request);
  const body = parseJsonBody(request.rawBody, updateUserBody);
  const emailChange = body.email == null ? '' : normalizeEmail(body.email);
  if ((body.phone ?? '') !== '') {
    throw goTrueErrors.validationFailed('Supabase test double: phone changes are out of scope');
  }
  const changesEmail = emailChange !== '' && emailChange !== user.email;
  // GoTrue's order: formats and strength, then the AAL rule, then uniqueness and same password.
  if (changesEmail) assertValidEmail(emailChange);
  if (body.password != null)
    assertPasswordAcceptable(body.password, core.settings().passwordPolicy);
  const changesPassword = (body.password ?? '') !== '';
  if (
    (changesPassword || changesEmail) &&
    hasVerifiedFactor(user) &&
    (session === null || sessionAal(session) !== 'aal2')
  ) {
    throw goTrueErrors.insufficientAalToUpdate();
  }
  if (changesEmail) {
    const holder = core.users.findByEmail(emailChange);
    if (holder !== null && holder.id !== user.id) throw goTrueErrors.emailExists();
  }
  const now = core.clock.now();
  if (body.password != null) {
    if (user.passwordHash !== null && isPasswordMatch(body.password, user.passwordHash)) {
      throw goTrueErrors.samePassword();
    }
    user.passwordHash = hashPassword(body.password);
    core.tokens.removeForUser(user.id);
    if (session === null) core.sessions.removeForUser(user.id);
    else core.sessions.removeForUser(user.id, session.id);
  }
  if (changesEmail) {
    const redirect = resolveRedirect(request.query.get('redirect_to'), core.settings());
    sendEmailChangeLinks(core, user, emailChange, redirect);
  }
  if (body.data != null) user.userMetadata = mergeMetadata(user.userMetadata, body.data);
  user.updatedAt = now;
  return jsonReply(200, toWireUser(user));
};
