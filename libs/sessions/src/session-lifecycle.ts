// Lifetime rules every adapter shares: how a record starts and when expiry is extended.
import { MAX_STORED_USER_AGENT, type SessionRecord } from './session-record.js';
import type { NewSession, SessionPolicy } from './session-store.js';

export function newRecord(
  id: string,
  input: NewSession,
  now: number,
  policy: SessionPolicy,
): SessionRecord {
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
  };
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
