// Email-link tokens (confirmation, recovery, email change) stored by the hash the link carries, one live token per kind.
import { createHash, randomInt } from 'node:crypto';

/** An email change has one token per address mailed: the new one, and with secure change the current one. */
export type OneTimeTokenKind =
  'confirmation' | 'recovery' | 'email_change_new' | 'email_change_current';

export interface OneTimeToken {
  /** What `{{ .TokenHash }}` puts in the link: hex SHA-224 of email + OTP, as GoTrue derives it. */
  readonly tokenHash: string;
  /** The 6-digit code (`{{ .Token }}`), usable as `verifyOtp({ email, token, type })`. */
  readonly otp: string;
  readonly kind: OneTimeTokenKind;
  readonly userId: string;
  readonly createdAt: number;
}

export interface OneTimeTokenStore {
  /** Issues a token; any earlier token of the same kind for the user stops working. */
  issue(userId: string, email: string, kind: OneTimeTokenKind, now: number): OneTimeToken;
  findByHash(tokenHash: string): OneTimeToken | null;
  /** Whether the user holds an unconsumed token of this kind. */
  hasForUser(userId: string, kind: OneTimeTokenKind): boolean;
  consume(tokenHash: string): void;
  removeForUser(userId: string): void;
  clear(): void;
}

export function computeTokenHash(email: string, otp: string): string {
  return createHash('sha224')
    .update(email + otp)
    .digest('hex');
}

export function createOneTimeTokenStore(): OneTimeTokenStore {
  const byHash = new Map<string, OneTimeToken>();
  const store: OneTimeTokenStore = {
    issue: (userId, email, kind, now) => {
      for (const token of byHash.values()) {
        if (token.userId === userId && token.kind === kind) byHash.delete(token.tokenHash);
      }
      let otp: string;
      do {
        otp = String(randomInt(0, 1_000_000)).padStart(6, '0');
      } while (byHash.has(computeTokenHash(email, otp)));
      const token: OneTimeToken = {
        tokenHash: computeTokenHash(email, otp),
        otp,
        kind,
        userId,
        createdAt: now,
      };
      byHash.set(token.tokenHash, token);
      return token;
    },
    findByHash: (tokenHash) => byHash.get(tokenHash) ?? null,
    hasForUser: (userId, kind) =>
      [...byHash.values()].some((token) => token.userId === userId && token.kind === kind),
    consume: (tokenHash) => {
      byHash.delete(tokenHash);
    },
    removeForUser: (userId) => {
      for (const token of byHash.values()) {
        if (token.userId === userId) byHash.delete(token.tokenHash);
      }
    },
    clear: () => {
      byHash.clear();
    },
  };
  return store;
}
