// MFA factor rows of the double (reference section 9), kept on their user as GoTrue's `user.Factors`.
import { randomUUID } from 'node:crypto';
import { goTrueErrors } from './gotrue-errors.js';
import type { UserRecord } from './user-store.js';
import { isUuid } from './uuid.js';

export type FactorStatus = 'unverified' | 'verified';

export interface ChallengeRecord {
  readonly id: string;
  readonly createdAt: number;
  /** The request IP GoTrue saw; verify must come from the same one. */
  readonly ipAddress: string;
  verifiedAt: number | null;
}

/** Mutable on purpose, like the user rows. Only TOTP factors exist in the double. */
export interface FactorRecord {
  readonly id: string;
  readonly userId: string;
  readonly factorType: 'totp';
  friendlyName: string;
  status: FactorStatus;
  /** Base32; never on the wire after enrolment. */
  readonly secret: string;
  readonly createdAt: number;
  updatedAt: number;
  lastChallengedAt: number | null;
  readonly challenges: ChallengeRecord[];
}

export function addTotpFactor(
  user: UserRecord,
  input: { friendlyName: string; secret: string; now: number },
): FactorRecord {
  const factor: FactorRecord = {
    id: randomUUID(),
    userId: user.id,
    factorType: 'totp',
    friendlyName: input.friendlyName,
    status: 'unverified',
    secret: input.secret,
    createdAt: input.now,
    updatedAt: input.now,
    lastChallengedAt: null,
    challenges: [],
  };
  user.factors.push(factor);
  return factor;
}

/** GoTrue's `loadFactor`: 404 `validation_failed` for a non-UUID, 404 `mfa_factor_not_found` else. */
export function loadFactor(user: UserRecord, factorId: string | undefined): FactorRecord {
  const id = factorId ?? '';
  if (!isUuid(id)) throw goTrueErrors.factorIdInvalid();
  const factor = user.factors.find((candidate) => candidate.id === id.toLowerCase());
  if (factor === undefined) throw goTrueErrors.factorMissing();
  return factor;
}

export function removeFactor(user: UserRecord, factorId: string): void {
  user.factors = user.factors.filter((factor) => factor.id !== factorId);
}

export function hasVerifiedFactor(user: UserRecord): boolean {
  return user.factors.some((factor) => factor.status === 'verified');
}

/**
 * `DeleteExpiredFactors`: unverified factors older than the expiry that never got a challenge.
 * GoTrue runs it (for every user) before each enrolment.
 */
export function purgeExpiredFactors(user: UserRecord, now: number, expiryMs: number): void {
  user.factors = user.factors.filter(
    (factor) =>
      factor.status === 'verified' ||
      factor.challenges.length > 0 ||
      now - factor.createdAt <= expiryMs,
  );
}

/** `DeleteUnverifiedFactors` after a successful verify: the user's other unverified TOTP factors. */
export function removeUnverifiedFactors(user: UserRecord): void {
  user.factors = user.factors.filter((factor) => factor.status === 'verified');
}
