// In-memory user rows of the double, indexed by id and by lower-cased email.
import { randomUUID } from 'node:crypto';
import type { FactorRecord } from './factors.js';

export type Metadata = Record<string, unknown>;

export interface IdentityRecord {
  readonly identityId: string;
  readonly createdAt: number;
  updatedAt: number;
  lastSignInAt: number | null;
  /** The sign-up `data` keys, copied into `identity_data` next to sub/email/verified flags. */
  readonly signupData: Metadata;
}

/** An identity at an OAuth provider (GitHub, Google...) linked to the user (see oauth.ts). */
export interface ExternalIdentityRecord {
  readonly identityId: string;
  /** Lower-cased provider name, e.g. `github`. */
  readonly provider: string;
  /** The person's id at the provider (the identity's `id` on the wire). */
  readonly subject: string;
  /** Lower-cased address the provider gave last. */
  email: string;
  /** The provider's claims as GoTrue keeps them (`sub`, `email`, `email_verified`, `full_name`...). */
  identityData: Metadata;
  readonly createdAt: number;
  updatedAt: number;
  lastSignInAt: number | null;
}

/** Mutable on purpose: handlers update rows in place, as GoTrue updates database rows. */
export interface UserRecord {
  readonly id: string;
  email: string;
  passwordHash: string | null;
  emailConfirmedAt: number | null;
  confirmationSentAt: number | null;
  recoverySentAt: number | null;
  /** An email change waiting for its link(s) to be followed. */
  newEmail: string | null;
  emailChangeSentAt: number | null;
  lastSignInAt: number | null;
  readonly createdAt: number;
  updatedAt: number;
  deletedAt: number | null;
  /** Until when sign-in is refused (`ban_duration`); null when never banned or unbanned. */
  bannedUntil: number | null;
  userMetadata: Metadata;
  /** `raw_app_meta_data`: provider facts plus what an admin sets (roles...); users cannot edit it. */
  appMetadata: Metadata;
  identity: IdentityRecord | null;
  /** OAuth identities, oldest first (after the email identity on the wire). */
  externalIdentities: ExternalIdentityRecord[];
  /** MFA factors, verified and unverified, oldest first. */
  factors: FactorRecord[];
}

export interface NewUser {
  readonly email: string;
  readonly passwordHash: string;
  readonly data: Metadata;
  readonly now: number;
}

export interface UserStore {
  insert(input: NewUser): UserRecord;
  findById(id: string): UserRecord | null;
  findByEmail(email: string): UserRecord | null;
  /** Every row, oldest insertion first. */
  list(): UserRecord[];
  /** Moves the account to another address (an email change confirmed). */
  changeEmail(id: string, email: string, now: number): void;
  /** Hard delete. */
  remove(id: string): void;
  /** Soft delete: blanks the address and credentials, keeps the row. */
  softRemove(id: string, now: number): void;
  clear(): void;
}

export function createUserStore(): UserStore {
  const byId = new Map<string, UserRecord>();
  const idByEmail = new Map<string, string>();
  return {
    insert: ({ email, passwordHash, data, now }) => {
      const user: UserRecord = {
        id: randomUUID(),
        email,
        passwordHash,
        emailConfirmedAt: null,
        confirmationSentAt: null,
        recoverySentAt: null,
        newEmail: null,
        emailChangeSentAt: null,
        lastSignInAt: null,
        createdAt: now,
        updatedAt: now,
        deletedAt: null,
        bannedUntil: null,
        userMetadata: { ...data },
        appMetadata: { provider: 'email', providers: ['email'] },
        identity: {
          identityId: randomUUID(),
          createdAt: now,
          updatedAt: now,
          lastSignInAt: now,
          signupData: { ...data },
        },
        externalIdentities: [],
        factors: [],
      };
      byId.set(user.id, user);
      // An OAuth user whose unverified address belongs to someone else has none (oauth.ts).
      if (email !== '') idByEmail.set(email, user.id);
      return user;
    },
    findById: (id) => byId.get(id) ?? null,
    list: () => [...byId.values()],
    findByEmail: (email) => {
      const id = idByEmail.get(email);
      return id === undefined ? null : (byId.get(id) ?? null);
    },
    changeEmail: (id, email, now) => {
      const user = byId.get(id);
      if (!user) return;
      idByEmail.delete(user.email);
      idByEmail.set(email, id);
      Object.assign(user, { email, newEmail: null, emailChangeSentAt: null, updatedAt: now });
      if (user.identity) user.identity.updatedAt = now;
    },
    remove: (id) => {
      const user = byId.get(id);
      if (user) idByEmail.delete(user.email);
      byId.delete(id);
    },
    softRemove: (id, now) => {
      const user = byId.get(id);
      if (!user) return;
      idByEmail.delete(user.email);
      Object.assign(user, {
        email: '',
        newEmail: null,
        passwordHash: null,
        deletedAt: now,
        updatedAt: now,
      });
      user.identity = null;
      user.externalIdentities = [];
      // Soft delete hard-deletes factors (reference 11.3).
      user.factors = [];
    },
    clear: () => {
      byId.clear();
      idByEmail.clear();
    },
  };
}

export function isEmailConfirmed(user: UserRecord): boolean {
  return user.emailConfirmedAt !== null;
}

/** `IsBanned`: a ban in the future; one that has run out no longer counts. */
export function isBanned(user: UserRecord, now: number): boolean {
  return user.bannedUntil !== null && now < user.bannedUntil;
}

export function confirmEmail(user: UserRecord, now: number): void {
  if (user.emailConfirmedAt !== null) return;
  user.emailConfirmedAt = now;
  user.updatedAt = now;
  if (user.identity) user.identity.updatedAt = now;
}

export function recordSignIn(user: UserRecord, now: number): void {
  user.lastSignInAt = now;
  user.updatedAt = now;
  if (user.identity) user.identity.lastSignInAt = now;
}

/** GoTrue's metadata update: keys are merged, a `null` value removes the key. */
export function mergeMetadata(target: Metadata, patch: Metadata): Metadata {
  const merged: Metadata = { ...target, ...patch };
  return Object.fromEntries(Object.entries(merged).filter(([, value]) => value !== null));
}
