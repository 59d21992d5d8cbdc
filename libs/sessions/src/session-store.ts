// The SessionStore port: what auth and gateway need from wherever sessions live.
import type { Fingerprint } from '@authflow/fingerprint';
import type { AssuranceLevel, SessionRecord } from './session-record.js';

/** Lifetimes of every session of a store. */
export interface SessionPolicy {
  /** Idle lifetime: the session ends this long after it was last extended. */
  readonly idleTtlMs: number;
  /** Absolute lifetime from creation; no extension goes past it. */
  readonly absoluteTtlMs: number;
  /** How long a device stays known for "new device" notices. */
  readonly deviceMemoryMs: number;
}

export const DEFAULT_SESSION_POLICY: SessionPolicy = Object.freeze({
  idleTtlMs: 3_600_000,
  absoluteTtlMs: 7 * 24 * 3_600_000,
  deviceMemoryMs: 86_400_000,
});

/** What a caller supplies to open a session; times and ids are the store's business. */
export interface NewSession {
  readonly userId: string;
  readonly email: string;
  readonly roles: readonly string[];
  readonly provider: string;
  readonly fingerprint: Fingerprint;
  readonly ip: string;
  readonly userAgent: string;
  readonly deviceLabel: string;
  readonly aal: AssuranceLevel;
  /** RFC 8176 methods (at most 8); default: `pwd`, plus `mfa` at aal2 (`defaultAmrOf`). */
  readonly amr?: readonly string[];
  /** When a second factor was presented (epoch ms), for a session opened after one. */
  readonly mfaAt?: number;
  /** Whether the user's address was proven when the session opened; default false. */
  readonly emailVerified?: boolean;
}

/** The new assurance of a session after a second factor (step-up). */
export interface SessionElevation {
  readonly aal: AssuranceLevel;
  /** RFC 8176 methods, replacing the session's (at most 8). */
  readonly amr: readonly string[];
  /** When the second factor was presented (epoch ms). */
  readonly mfaAt: number;
}

export interface CreatedSession {
  /** The cookie value. Returned once; only its hash (the session id) is stored. */
  readonly token: string;
  readonly session: SessionRecord;
}

/** Whether revocation messages are known to arrive: `live`, or not (`connecting`, `lost`). */
export type SubscriptionState = 'connecting' | 'live' | 'lost';

export interface RevocationSubscription {
  readonly state: SubscriptionState;
  /** Called on every state change; used to empty caches while messages may be missed. */
  onStateChange(listener: (state: SubscriptionState) => void): void;
  close(): Promise<void>;
}

export type RevocationListener = (sessionId: string) => void;

export interface SessionStore {
  readonly policy: SessionPolicy;
  /** Opens a session with a fresh token (a presented token is never reused). */
  create(input: NewSession): Promise<CreatedSession>;
  /** The live session, or `null` when missing, expired or unparseable. Throws only on store failure. */
  find(sessionId: string): Promise<SessionRecord | null>;
  /**
   * Sliding expiry. Writes only when less than half the idle lifetime remains, never past the
   * absolute lifetime, and never brings back a revoked session. Returns the record as it now
   * stands (the same object when nothing was written), or `null` when it is gone.
   */
  touch(session: SessionRecord): Promise<SessionRecord | null>;
  /**
   * Ends one session and publishes its id. With `userId`, only when the session belongs to
   * that user. Returns whether a live session was ended.
   */
  revoke(sessionId: string, options?: { userId?: string }): Promise<boolean>;
  /**
   * Raises a live session's assurance and renews its identifier (OWASP: a new token on every
   * privilege change), atomically: a new session under a fresh token with the same user, device
   * and lifetimes (created_at and absolute expiry kept) at the new aal/amr/mfa_at, and the old
   * one deleted, unindexed and its id published like any revocation. `null` when the old session
   * is gone (nothing is created).
   */
  elevate(sessionId: string, elevation: SessionElevation): Promise<CreatedSession | null>;
  /** Ends every session of the user; returns the revoked ids (each one published). */
  revokeAllForUser(userId: string): Promise<string[]>;
  /** Ends every session of the user except `keepSessionId`; returns the revoked ids. */
  revokeOthers(userId: string, keepSessionId: string): Promise<string[]>;
  /**
   * Replaces the roles of every live session of the user (an admin changed them), atomically,
   * and publishes each updated id on the revocation channel: readers that cache sessions drop
   * their copy and read the new roles from the store on the next request. The sessions stay
   * open (same id, token and lifetimes). Returns the updated ids; roles a record could not hold
   * (more than 64, or one over 128 characters) are refused with a `RangeError`, changing nothing.
   */
  setRolesForUser(userId: string, roles: readonly string[]): Promise<string[]>;
  /** The user's live sessions, oldest first. Dead entries are dropped from the index as read. */
  listForUser(userId: string): Promise<SessionRecord[]>;
  /**
   * Records that the user signed in from `deviceId`; tells whether it was unknown until now and
   * how many devices were known before (0 on a first sign-in, when no notice is due).
   */
  recordDeviceSeen(
    userId: string,
    deviceId: string,
  ): Promise<{ firstSeen: boolean; knownDevices: number }>;
  /** Delivers every revoked session id (from any process sharing the store). */
  subscribeRevocations(listener: RevocationListener): RevocationSubscription;
  /** Checks the store answers; throws {@link SessionStoreUnavailableError} when it does not. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The store did not answer (down, timed out, refused): fail closed, keep the cookie. */
export class SessionStoreUnavailableError extends Error {
  override readonly name = 'SessionStoreUnavailableError';
  readonly code = 'session_store_unavailable';
}

export function isSessionStoreUnavailableError(
  error: unknown,
): error is SessionStoreUnavailableError {
  return error instanceof SessionStoreUnavailableError;
}
