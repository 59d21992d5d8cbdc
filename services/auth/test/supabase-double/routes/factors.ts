// POST /factors (enrol TOTP) and DELETE /factors/{id} (unenrol) for the bearer's own account.
import { z } from 'zod';
import { authenticateUser } from '../authenticate.js';
import type { DoubleCore } from '../double-core.js';
import type { RouteHandler } from '../double-request.js';
import {
  addTotpFactor,
  hasVerifiedFactor,
  loadFactor,
  purgeExpiredFactors,
  removeFactor,
} from '../factors.js';
import { goTrueErrors } from '../gotrue-errors.js';
import { jsonReply } from '../reply.js';
import { optionalString, parseJsonBody, stringOrEmpty } from '../request-body.js';
import { sessionAal, type SessionRecord } from '../session-store.js';
import { generateTotpSecret, totpUri } from '../totp.js';
import type { UserRecord } from '../user-store.js';

const enrollBody = z.object({
  factor_type: optionalString,
  friendly_name: optionalString,
  issuer: optionalString,
  phone: optionalString,
});

/**
 * Stands in for GoTrue's QR code: an SVG document, but not a scannable code (nothing reads it;
 * AuthFlow draws its own from `uri`).
 */
const QR_CODE_STAND_IN =
  '<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200"><rect width="200" height="200" fill="#fff"/></svg>';

/** Reference 9.2. Phone and WebAuthn enrolment are off, as in a default project. */
export const handleEnrollFactor: RouteHandler = async (request, core) => {
  const { user, session } = await authenticateUser(core, request);
  if (session === null) {
    throw goTrueErrors.unexpectedFailure(
      'A valid session and a registered user are required to enroll a factor',
    );
  }
  const body = parseJsonBody(request.rawBody, enrollBody);
  const type = stringOrEmpty(body.factor_type);
  if (type === 'phone' || type === 'webauthn') throw goTrueErrors.factorEnrollDisabled(type);
  if (type !== 'totp') throw goTrueErrors.factorTypeInvalid();
  const settings = core.settings();
  if (!settings.mfaTotpEnrollEnabled) throw goTrueErrors.factorEnrollDisabled('totp');
  const issuer = stringOrEmpty(body.issuer) || new URL(settings.siteUrl).host;
  const friendlyName = stringOrEmpty(body.friendly_name);
  assertMayEnroll(core, user, session, friendlyName);
  const secret = generateTotpSecret();
  const factor = addTotpFactor(user, { friendlyName, secret, now: core.clock.now() });
  return jsonReply(200, {
    id: factor.id,
    type: 'totp',
    friendly_name: friendlyName,
    totp: { qr_code: QR_CODE_STAND_IN, secret, uri: totpUri(issuer, user.email, secret) },
  });
};

/** `validateFactors`: purge, name conflict (`""` included), the two caps, then the AAL rule. */
function assertMayEnroll(
  core: DoubleCore,
  user: UserRecord,
  session: SessionRecord,
  friendlyName: string,
): void {
  const settings = core.settings();
  purgeExpiredFactors(user, core.clock.now(), settings.mfaFactorExpirySeconds * 1000);
  if (user.factors.some((factor) => factor.friendlyName === friendlyName)) {
    throw goTrueErrors.factorNameConflict(friendlyName);
  }
  const verified = user.factors.filter((factor) => factor.status === 'verified').length;
  if (
    user.factors.length >= settings.mfaMaxEnrolledFactors ||
    verified >= settings.mfaMaxVerifiedFactors
  ) {
    throw goTrueErrors.tooManyFactors();
  }
  if (hasVerifiedFactor(user) && sessionAal(session) !== 'aal2') {
    throw goTrueErrors.insufficientAalToEnroll();
  }
}

/** Reference 9.5: a verified factor needs an aal2 session; sessions it raised drop to aal1. */
export const handleUnenrollFactor: RouteHandler = async (request, core) => {
  const { user, session } = await authenticateUser(core, request);
  const factor = loadFactor(user, request.params.id);
  if (session === null) {
    throw goTrueErrors.unexpectedFailure(
      'A valid session and factor are required to unenroll a factor',
    );
  }
  if (factor.status === 'verified' && sessionAal(session) !== 'aal2') {
    throw goTrueErrors.insufficientAalToUnenroll();
  }
  removeFactor(user, factor.id);
  core.sessions.downgradeFactorSessions(factor.id, 'totp');
  return jsonReply(200, { id: factor.id });
};
