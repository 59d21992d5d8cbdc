// GET /user and PUT /user (password and metadata updates) for the bearer's own account.
import { z } from 'zod';
import { authenticateUser } from '../authenticate.js';
import { normalizeEmail } from '../email-address.js';
import { goTrueErrors } from '../gotrue-errors.js';
import { hashPassword, isPasswordMatch } from '../password-hash.js';
import { assertPasswordAcceptable } from '../password-policy.js';
import { jsonReply } from '../reply.js';
import { optionalMetadata, optionalString, parseJsonBody } from '../request-body.js';
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
 * Password change: 400 over 72 bytes, 422 weak, 422 same password. On success the user's
 * outstanding email-link tokens are cleared and every other session is logged out.
 */
export const handleUpdateUser: RouteHandler = async (request, core) => {
  const { user, session } = await authenticateUser(core, request);
  const body = parseJsonBody(request.rawBody, updateUserBody);
  const emailChange = body.email == null ? '' : normalizeEmail(body.email);
  if ((emailChange !== '' && emailChange !== user.email) || (body.phone ?? '') !== '') {
    throw goTrueErrors.validationFailed(
      'Supabase test double: email and phone changes are out of scope',
    );
  }
  const now = core.clock.now();
  if (body.password != null) {
    assertPasswordAcceptable(body.password, core.settings().passwordPolicy);
    if (user.passwordHash !== null && isPasswordMatch(body.password, user.passwordHash)) {
      throw goTrueErrors.samePassword();
    }
    user.passwordHash = hashPassword(body.password);
    core.tokens.removeForUser(user.id);
    if (session === null) core.sessions.removeForUser(user.id);
    else core.sessions.removeForUser(user.id, session.id);
  }
  if (body.data != null) user.userMetadata = mergeMetadata(user.userMetadata, body.data);
  user.updatedAt = now;
  return jsonReply(200, toWireUser(user));
};
