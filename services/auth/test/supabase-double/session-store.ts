// In-memory GoTrue sessions and their rotating, single-use refresh tokens.
import { randomBytes, randomUUID } from 'node:crypto';

export interface AmrEntry {
  readonly method: string;
  readonly timestamp: number;
}

/** Methods that make a session aal2 (`IsAAL2Claim`); the double knows only TOTP. */
const AAL2_METHODS: ReadonlySet<string> = new Set(['totp', 'mfa/phone', 'mfa/webauthn']);

/** Mutable on purpose: an MFA verify raises the session in place, as GoTrue updates its row. */
export interface SessionRecord {
  readonly id: string;
  readonly userId: string;
  readonly createdAt: number;
  /** Newest first, one entry per method; a refresh does not add an entry. */
  amr: AmrEntry[];
  /** The factor whose verify raised the session (`sessions.factor_id`). */
  factorId: string | null;
}

/** `aal2` when the session holds an MFA method (`CalculateAALAndAMR`). */
export function sessionAal(session: SessionRecord): 'aal1' | 'aal2' {
  return session.amr.some((entry) => AAL2_METHODS.has(entry.method)) ? 'aal2' : 'aal1';
}

/** Adds `entry` (or moves its method's entry to the front with the new timestamp). */
export function recordAmr(session: SessionRecord, entry: AmrEntry): void {
  session.amr = [entry, ...session.amr.filter((other) => other.method !== entry.method)];
}

export interface RefreshTokenRecord {
  readonly token: string;
  readonly sessionId: string;
  readonly userId: string;
  revoked: boolean;
}

export interface SessionStore {
  create(userId: string, amr: AmrEntry, now: number): SessionRecord;
  find(id: string): SessionRecord | null;
  listForUser(userId: string): SessionRecord[];
  /** Deletes sessions of `userId`; `keep` names one to spare (scope `others`, password change). */
  removeForUser(userId: string, keep?: string): void;
  /** `InvalidateSessionsWithAALLessThan(aal2)`: the user's sessions without a second factor go. */
  removeBelowAal2(userId: string): void;
  /** `DowngradeSessionsToAAL1`: sessions raised by the factor lose its method and its id. */
  downgradeFactorSessions(factorId: string, method: string): void;
  remove(id: string): void;
  issueRefreshToken(session: SessionRecord): string;
  findRefreshToken(token: string): RefreshTokenRecord | null;
  /** Marks every refresh token of a session as used (GoTrue's token-family revocation on reuse). */
  revokeFamily(sessionId: string): void;
  clear(): void;
}

export function createSessionStore(): SessionStore {
  const sessions = new Map<string, SessionRecord>();
  // Refresh tokens outlive their session on purpose, so a refresh after logout can report
  // `session_not_found` instead of an unknown token.
  const refreshTokens = new Map<string, RefreshTokenRecord>();
  const store: SessionStore = {
    create: (userId, amr, now) => {
      const session: SessionRecord = {
        id: randomUUID(),
        userId,
        createdAt: now,
        amr: [amr],
        factorId: null,
      };
      sessions.set(session.id, session);
      return session;
    },
    find: (id) => sessions.get(id) ?? null,
    listForUser: (userId) => [...sessions.values()].filter((s) => s.userId === userId),
    removeForUser: (userId, keep) => {
      for (const session of store.listForUser(userId)) {
        if (session.id !== keep) sessions.delete(session.id);
      }
    },
    removeBelowAal2: (userId) => {
      for (const session of store.listForUser(userId)) {
        if (sessionAal(session) !== 'aal2') sessions.delete(session.id);
      }
    },
    downgradeFactorSessions: (factorId, method) => {
      for (const session of sessions.values()) {
        if (session.factorId !== factorId) continue;
        session.amr = session.amr.filter((entry) => entry.method !== method);
        session.factorId = null;
      }
    },
    remove: (id) => {
      sessions.delete(id);
    },
    issueRefreshToken: (session) => {
      const token = randomBytes(16).toString('base64url');
      refreshTokens.set(token, {
        token,
        sessionId: session.id,
        userId: session.userId,
        revoked: false,
      });
      return token;
    },
    findRefreshToken: (token) => refreshTokens.get(token) ?? null,
    revokeFamily: (sessionId) => {
      for (const record of refreshTokens.values()) {
        if (record.sessionId === sessionId) record.revoked = true;
      }
    },
    clear: () => {
      sessions.clear();
      refreshTokens.clear();
    },
  };
  return store;
}
