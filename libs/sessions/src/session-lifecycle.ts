// Lifetime rules every adapter shares: how a record starts and when expiry is extended.
import {
  defaultAmrOf,
  isStorableAmr,
  isStorableRoles,
  MAX_STORED_USER_AGENT,
  type SessionRecord,
} from './session-record.js';
import type { NewSession, SessionElevation, SessionPolicy } from './session-store.js';

export function newRecord(
  id: string,
  input: NewSession,
  now: number,
  policy: SessionPolicy,
): SessionRecord {
  const amr = input.amr ?? defaultAmrOf(input.aal);
  checkAssurance(amr, input.mfaAt ?? null);
  checkRoles(input.roles);
  return {
    id,
    userId: input.userId,
    email: input.email,
    roles: [...input.roles],
    provider: input.provider,
    fingerprint: { digest: input.fingerprint.digest, parts: { ...input.fingerprint.parts } },
    createdAt: now,
    lastSeenAt: now,
    absoluteExpiresAt: now + policy.absoluteTtlMs,
    ip: input.ip,
    userAgent: input.userAgent.slice(0, MAX_STORED_USER_AGENT),
    deviceLabel: input.deviceLabel,
    aal: input.aal,
    amr: [...amr],
    mfaAt: input.mfaAt ?? null,
    emailVerified: input.emailVerified ?? false,
  };
}

/**
 * The session that replaces `current` after a step-up: same user, device and lifetimes, a new
 * id, the new assurance, and seen now.
 */
export function elevatedRecord(
  current: SessionRecord,
  id: string,
  elevation: SessionElevation,
  now: number,
): SessionRecord {
  checkAssurance(elevation.amr, elevation.mfaAt);
  return {
    ...current,
    id,
    lastSeenAt: now,
    aal: elevation.aal,
    amr: [...elevation.amr],
    mfaAt: elevation.mfaAt,
  };
}

/**
 * A record that would not parse back must never be written (it would be a session nobody can
 * use): a bad `amr` or `mfaAt` is the caller's bug, refused before anything is stored.
 */
function checkAssurance(amr: readonly string[], mfaAt: number | null): void {
  if (!isStorableAmr(amr))
    throw new RangeError('amr must list 1 to 8 method codes (RFC 8176, lower case)');
  if (mfaAt !== null && !(Number.isSafeInteger(mfaAt) && mfaAt >= 0))
    throw new RangeError('mfaAt must be epoch milliseconds');
}

/** Roles the record could not hold back (it would not parse) are refused before anything is written. */
export function checkRoles(roles: readonly string[]): void {
  if (!isStorableRoles(roles))
    throw new RangeError('roles must be at most 64 strings of at most 128 characters');
}

/**
 * Sliding expiry writes only when less than half of the idle lifetime remains, so a busy
 * session costs one write per half-lifetime, not one per request.
 */
export function isDueForTouch(session: SessionRecord, now: number, policy: SessionPolicy): boolean {
  return now - session.lastSeenAt >= policy.idleTtlMs / 2;
}

/** When the session ends if nobody extends it. */
export function idleExpiryOf(session: SessionRecord, policy: SessionPolicy): number {
  return Math.min(session.lastSeenAt + policy.idleTtlMs, session.absoluteExpiresAt);
}
