// POST /signup: new users, autoconfirm, and GoTrue's three "address already registered" branches.
import { z } from 'zod';
import { assertValidEmail, normalizeEmail } from '../email-address.js';
import { sendEmailLink } from '../email-links.js';
import { goTrueErrors } from '../gotrue-errors.js';
import { hashPassword } from '../password-hash.js';
import { assertPasswordAcceptable } from '../password-policy.js';
import { resolveRedirect } from '../redirects.js';
import { jsonReply } from '../reply.js';
import { optionalMetadata, optionalString, parseJsonBody, stringOrEmpty } from '../request-body.js';
import { startSession } from '../session-issuer.js';
import { confirmEmail, isEmailConfirmed } from '../user-store.js';
import { toObfuscatedUser, toWireUser } from '../user-view.js';
import type { RouteHandler } from '../double-request.js';

const signupBody = z.object({
  email: optionalString,
  phone: optionalString,
  password: optionalString,
  data: optionalMetadata,
});

/** Check order follows GoTrue's handler: body, provider, signups off, password, email, lookup. */
export const handleSignup: RouteHandler = async (request, core) => {
  const body = parseJsonBody(request.rawBody, signupBody);
  const rawEmail = stringOrEmpty(body.email);
  const phone = stringOrEmpty(body.phone);
  if (rawEmail === '' && phone === '') throw goTrueErrors.anonymousDisabled();
  if (rawEmail !== '' && phone !== '') {
    throw goTrueErrors.validationFailed(
      'Only an email address or phone number should be provided on signup.',
    );
  }
  const settings = core.settings();
  if (settings.signupDisabled) throw goTrueErrors.signupDisabled();
  const password = stringOrEmpty(body.password);
  if (password === '') throw goTrueErrors.validationFailed('Signup requires a valid password');
  assertPasswordAcceptable(password, settings.passwordPolicy);
  if (phone !== '') throw goTrueErrors.phoneProviderDisabled();
  const email = normalizeEmail(rawEmail);
  assertValidEmail(email);
  const data = body.data ?? {};
  const now = core.clock.now();

  const existing = core.users.findByEmail(email);
  if (existing !== null && isEmailConfirmed(existing)) {
    if (settings.autoconfirm) throw goTrueErrors.userAlreadyExists();
    return jsonReply(200, toObfuscatedUser(existing.email, data, now));
  }
  // An unconfirmed existing row is reused as is: the new password and data are ignored.
  const user =
    existing ?? core.users.insert({ email, passwordHash: hashPassword(password), data, now });
  if (settings.autoconfirm) {
    confirmEmail(user, now);
    return startSession(core, user, 'password');
  }
  sendEmailLink(core, user, 'signup', resolveRedirect(request.query.get('redirect_to'), settings));
  return jsonReply(200, toWireUser(user));
};
