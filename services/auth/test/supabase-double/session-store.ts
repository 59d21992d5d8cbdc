// In-memory GoTrue sessions and their rotating, single-use refresh tokens.
import { randomBytes, randomUUID } from 'node:crypto';

export interface AmrEntry {
  readonly method: string;
  readonly timestamp: number;
}

export interface SessionRecord {
  readonly id: string;
  readonly userId: string;
  readonly createdAt: number;
  readonly aal: 'aal1';
  /** Newest first; a refresh does not add an entry. */
  readonly amr: readonly AmrEntry[];
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
        aal: 'aal1',
        amr: [amr],
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
