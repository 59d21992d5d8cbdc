// Wire shapes of GoTrue's User and Identity objects (reference section 1.4), built from user rows.
import { randomUUID } from 'node:crypto';
import type { FactorRecord, FactorStatus } from './factors.js';
import type { Metadata, UserRecord } from './user-store.js';

export interface WireIdentity {
  identity_id: string;
  id: string;
  user_id: string;
  identity_data: Metadata;
  /** `email`, or the OAuth provider (`github`, `google`...). */
  provider: string;
  last_sign_in_at?: string;
  created_at: string;
  updated_at: string;
  email: string;
}

/** `provider` and `providers` for email users, plus whatever an admin set (`roles`...). */
export type WireAppMetadata = Metadata;

/** GoTrue's Factor JSON (`models.Factor`): the secret is never serialised. */
export interface WireFactor {
  id: string;
  created_at: string;
  updated_at: string;
  status: FactorStatus;
  /** Omitted when empty. */
  friendly_name?: string;
  factor_type: 'totp';
  phone: string;
  last_challenged_at: string | null;
}

/** Optional fields are omitted when null, as GoTrue's `omitempty` does. */
export interface WireUser {
  id: string;
  aud: 'authenticated';
  role: string;
  email: string;
  email_confirmed_at?: string;
  phone: string;
  confirmation_sent_at?: string;
  confirmed_at?: string;
  recovery_sent_at?: string;
  new_email?: string;
  email_change_sent_at?: string;
  last_sign_in_at?: string;
  app_metadata: WireAppMetadata;
  user_metadata: Metadata;
  identities: WireIdentity[];
  /** Verified and unverified; omitted when the user has none. */
  factors?: WireFactor[];
  created_at: string;
  updated_at: string;
  banned_until?: string;
  deleted_at?: string;
  is_anonymous: boolean;
}

export function toIsoTime(ms: number): string {
  return new Date(ms).toISOString();
}

export function emailAppMetadata(): WireAppMetadata {
  return { provider: 'email', providers: ['email'] };
}

export function toWireUser(user: UserRecord): WireUser {
  const wire: WireUser = {
    id: user.id,
    aud: 'authenticated',
    role: 'authenticated',
    email: user.email,
    phone: '',
    app_metadata: structuredClone(user.appMetadata),
    user_metadata: { ...user.userMetadata },
    identities: toWireIdentities(user),
    created_at: toIsoTime(user.createdAt),
    updated_at: toIsoTime(user.updatedAt),
    is_anonymous: false,
  };
  if (user.emailConfirmedAt !== null) {
    wire.email_confirmed_at = toIsoTime(user.emailConfirmedAt);
    wire.confirmed_at = toIsoTime(user.emailConfirmedAt);
  }
  if (user.confirmationSentAt !== null) {
    wire.confirmation_sent_at = toIsoTime(user.confirmationSentAt);
  }
  if (user.recoverySentAt !== null) wire.recovery_sent_at = toIsoTime(user.recoverySentAt);
  if (user.newEmail !== null) wire.new_email = user.newEmail;
  if (user.emailChangeSentAt !== null)
    wire.email_change_sent_at = toIsoTime(user.emailChangeSentAt);
  if (user.lastSignInAt !== null) wire.last_sign_in_at = toIsoTime(user.lastSignInAt);
  if (user.bannedUntil !== null) wire.banned_until = toIsoTime(user.bannedUntil);
  if (user.deletedAt !== null) wire.deleted_at = toIsoTime(user.deletedAt);
  if (user.factors.length > 0) wire.factors = user.factors.map(toWireFactor);
  return wire;
}

export function toWireFactor(factor: FactorRecord): WireFactor {
  const wire: WireFactor = {
    id: factor.id,
    created_at: toIsoTime(factor.createdAt),
    updated_at: toIsoTime(factor.updatedAt),
    status: factor.status,
    factor_type: factor.factorType,
    phone: '',
    last_challenged_at:
      factor.lastChallengedAt === null ? null : toIsoTime(factor.lastChallengedAt),
  };
  if (factor.friendlyName !== '') wire.friendly_name = factor.friendlyName;
  return wire;
}

function toWireIdentities(user: UserRecord): WireIdentity[] {
  const external = user.externalIdentities.map((identity) => {
    const wire: WireIdentity = {
      identity_id: identity.identityId,
      id: identity.subject,
      user_id: user.id,
      identity_data: { ...identity.identityData },
      provider: identity.provider,
      created_at: toIsoTime(identity.createdAt),
      updated_at: toIsoTime(identity.updatedAt),
      email: identity.email,
    };
    if (identity.lastSignInAt !== null) wire.last_sign_in_at = toIsoTime(identity.lastSignInAt);
    return wire;
  });
  const identity = user.identity;
  if (identity === null) return external;
  const wire: WireIdentity = {
    identity_id: identity.identityId,
    id: user.id,
    user_id: user.id,
    identity_data: {
      ...identity.signupData,
      email: user.email,
      email_verified: user.emailConfirmedAt !== null,
      phone_verified: false,
      sub: user.id,
    },
    provider: 'email',
    created_at: toIsoTime(identity.createdAt),
    updated_at: toIsoTime(identity.updatedAt),
    email: user.email,
  };
  if (identity.lastSignInAt !== null) wire.last_sign_in_at = toIsoTime(identity.lastSignInAt);
  return [wire, ...external];
}

/**
 * The fake user GoTrue answers when a confirmed address signs up again with confirmations on:
 * a fresh random id every time, no role, no identities, the metadata just sent, no email sent.
 */
export function toObfuscatedUser(email: string, data: Metadata, now: number): WireUser {
  const at = toIsoTime(now);
  return {
    id: randomUUID(),
    aud: 'authenticated',
    role: '',
    email,
    phone: '',
    confirmation_sent_at: at,
    app_metadata: emailAppMetadata(),
    user_metadata: { ...data },
    identities: [],
    created_at: at,
    updated_at: at,
    is_anonymous: false,
  };
}
