// POST /recover: always `{}`; a known address gets a recovery email (subject to the per-user window).
import { z } from 'zod';
import { assertValidEmail, normalizeEmail } from '../email-address.js';
import { sendEmailLink } from '../email-links.js';
import { goTrueErrors } from '../gotrue-errors.js';
import { resolveRedirect } from '../redirects.js';
import { jsonReply } from '../reply.js';
import { optionalString, parseJsonBody, stringOrEmpty } from '../request-body.js';
import type { RouteHandler } from '../double-request.js';

const recoverBody = z.object({ email: optionalString });

export const handleRecover: RouteHandler = (request, core) => {
  const body = parseJsonBody(request.rawBody, recoverBody);
  const email = normalizeEmail(stringOrEmpty(body.email));
  if (email === '') throw goTrueErrors.validationFailed('Password recovery requires an email');
  assertValidEmail(email);
  const user = core.users.findByEmail(email);
  if (user !== null) {
    const redirect = resolveRedirect(request.query.get('redirect_to'), core.settings());
    sendEmailLink(core, user, 'recovery', redirect);
  }
  return jsonReply(200, {});
};
