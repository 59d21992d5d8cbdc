// POST /factors/{id}/challenge and /verify: a TOTP code against a challenge raises the session to aal2.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { authenticateUser } from '../authenticate.js';
import { toEpochSeconds } from '../clock.js';
import type { DoubleCore } from '../double-core.js';
import type { DoubleRequest, RouteHandler } from '../double-request.js';
import {
  loadFactor,
  removeUnverifiedFactors,
  type ChallengeRecord,
  type FactorRecord,
} from '../factors.js';
import { goTrueErrors } from '../gotrue-errors.js';
import { jsonReply } from '../reply.js';
import { optionalString, parseJsonBody, stringOrEmpty } from '../request-body.js';
import { sessionReply } from '../session-issuer.js';
import { recordAmr } from '../session-store.js';
import { isValidTotpCode } from '../totp.js';
import { UUID_PATTERN } from '../uuid.js';

const verifyBody = z.object({
  // A UUID-typed field in GoTrue: anything else fails to decode (400 bad_json).
  challenge_id: z.string().regex(UUID_PATTERN).nullish(),
  code: optionalString,
});

/** Reference 9.3: the TOTP handler reads no body; the challenge is bound to the request IP. */
export const handleChallengeFactor: RouteHandler = async (request, core) => {
  const { user } = await authenticateUser(core, request);
  const factor = loadFactor(user, request.params.id);
  if (!core.settings().mfaTotpVerifyEnabled) throw goTrueErrors.totpVerifyDisabled();
  const now = core.clock.now();
  const challenge: ChallengeRecord = {
    id: randomUUID(),
    createdAt: now,
    ipAddress: request.clientIp,
    verifiedAt: null,
  };
  factor.challenges.push(challenge);
  factor.lastChallengedAt = now;
  return jsonReply(200, {
    id: challenge.id,
    type: factor.factorType,
    expires_at: toEpochSeconds(now) + core.settings().mfaChallengeExpirySeconds,
  });
};

/**
 * Reference 9.4. Success: the same session gains `totp` in its amr (so aal2) and a new refresh
 * token (older ones count as reused), the factor is verified, the user's aal1 sessions and other
 * unverified factors are deleted. A wrong code leaves the challenge usable.
 */
export const handleVerifyFactor: RouteHandler = async (request, core) => {
  const { user, session } = await authenticateUser(core, request);
  const factor = loadFactor(user, request.params.id);
  const body = parseJsonBody(request.rawBody, verifyBody);
  const code = stringOrEmpty(body.code);
  if (code === '') throw goTrueErrors.mfaCodeRequired();
  if (!core.settings().mfaTotpVerifyEnabled) throw goTrueErrors.totpVerifyDisabled();
  const challenge = validateChallenge(core, request, factor, stringOrEmpty(body.challenge_id));
  const now = core.clock.now();
  if (!isValidTotpCode(factor.secret, code, now)) throw goTrueErrors.totpCodeInvalid();
  if (session === null) {
    throw goTrueErrors.unexpectedFailure('A valid session is required to verify a factor');
  }
  challenge.verifiedAt = now;
  if (factor.status === 'unverified') {
    factor.status = 'verified';
    factor.updatedAt = now;
  }
  recordAmr(session, { method: 'totp', timestamp: toEpochSeconds(now) });
  session.factorId = factor.id;
  core.sessions.revokeFamily(session.id);
  // GoTrue loads the user for the answer before it deletes the other unverified factors.
  const reply = await sessionReply(core, user, session);
  core.sessions.removeBelowAal2(user.id);
  removeUnverifiedFactors(user);
  return reply;
};

function validateChallenge(
  core: DoubleCore,
  request: DoubleRequest,
  factor: FactorRecord,
  challengeId: string,
): ChallengeRecord {
  const challenge = factor.challenges.find(
    (candidate) => candidate.id === challengeId.toLowerCase(),
  );
  if (challenge === undefined) throw goTrueErrors.challengeMissing();
  if (challenge.verifiedAt !== null || challenge.ipAddress !== request.clientIp) {
    throw goTrueErrors.challengeIpMismatch();
  }
  const expiresAt = challenge.createdAt + core.settings().mfaChallengeExpirySeconds * 1000;
  if (core.clock.now() > expiresAt) {
    factor.challenges.splice(factor.challenges.indexOf(challenge), 1);
    throw goTrueErrors.challengeExpired(challenge.id);
  }
  return challenge;
}
