// The test-only side channel of the double: plain methods outside the Supabase protocol.
import type { JWTPayload } from 'jose';
import { toEpochSeconds } from './clock.js';
import type { DoubleCore } from './double-core.js';
import { normalizeEmail } from './email-address.js';
import { addTotpFactor } from './factors.js';
import type { FaultInjector, FaultSpec } from './faults.js';
import type { EmailFilter, SentEmail } from './mailbox.js';
import { createOAuthSideChannel, type OAuthSideChannel } from './oauth.js';
import { hashPassword } from './password-hash.js';
import type { RecordedRequest, RequestFilter, RequestRecorder } from './request-recorder.js';
import type { DoubleSettings, SettingsPatch } from './settings.js';
import { confirmEmail, type Metadata, type UserRecord } from './user-store.js';
import { generateTotpSecret, totpCode } from './totp.js';
import { toWireFactor, toWireUser, type WireFactor, type WireUser } from './user-view.js';

export interface SeedUser {
  readonly email: string;
  readonly password: string;
  /** Default true. */
  readonly confirmed?: boolean;
  readonly data?: Metadata;
}

export interface SeedTotpFactor {
  readonly friendlyName?: string;
  /** Default false. */
  readonly verified?: boolean;
}

/** Nothing here exists on real Supabase; adapters must never depend on it, only tests. */
export interface DoubleSideChannel {
  sentEmails(filter?: EmailFilter): SentEmail[];
  lastEmail(filter?: EmailFilter): SentEmail | undefined;
  clearEmails(): void;
  settings(): DoubleSettings;
  configure(patch: SettingsPatch): void;
  /** Double time (real time plus the clock offset). */
  now(): Date;
  advanceClock(ms: number): void;
  setClockOffset(ms: number): void;
  /** Seeds a user without any request or email. Throws if the address exists. */
  createUser(seed: SeedUser): WireUser;
  findUser(email: string): WireUser | undefined;
  /** Marks the address confirmed, as clicking the signup link would. Throws if unknown. */
  confirmUser(email: string): void;
  /** Ids of the user's live sessions (empty for an unknown address). */
  sessionIds(email: string): string[];
  /** The user's MFA factors as GoTrue serialises them (empty for an unknown address). */
  factors(email: string): WireFactor[];
  /** Seeds a TOTP factor (unverified unless `verified`); returns its id and base32 secret. */
  createTotpFactor(email: string, options?: SeedTotpFactor): { id: string; secret: string };
  /** The TOTP code of `secret` at double time (plus `offsetMs`), as an authenticator shows it. */
  totpCode(secret: string, offsetMs?: number): string;
  /** Signs arbitrary claims with the double's key (defaults: `iss`, `iat`, `exp`). */
  mintJwt(claims: JWTPayload): Promise<string>;
  /** OAuth: who signs in at the provider (or refuses) on the next `GET /authorize`. */
  readonly oauth: OAuthSideChannel;
  injectFault(spec: FaultSpec): void;
  pendingFaults(): number;
  clearFaults(): void;
  requests(filter?: RequestFilter): RecordedRequest[];
  lastRequest(filter?: RequestFilter): RecordedRequest | undefined;
  clearRequests(): void;
  /** Errors thrown by the double's own code (answered as 500); should stay empty. */
  internalErrors(): unknown[];
  /** Clears users, sessions, tokens, emails, OAuth queue, requests, faults; restores settings, clock. */
  reset(): void;
}

export interface SideChannelDeps {
  readonly core: DoubleCore;
  readonly faults: FaultInjector;
  readonly recorder: RequestRecorder;
  readonly internalErrors: unknown[];
}

export function createSideChannel(deps: SideChannelDeps): DoubleSideChannel {
  const { core, faults, recorder, internalErrors } = deps;
  const findUser = (email: string): UserRecord | null =>
    core.users.findByEmail(normalizeEmail(email));
  return {
    sentEmails: (filter) => core.mailbox.list(filter),
    lastEmail: (filter) => core.mailbox.list(filter).at(-1),
    clearEmails: () => core.mailbox.clear(),
    settings: () => core.settings(),
    configure: (patch) => core.configure(patch),
    now: () => new Date(core.clock.now()),
    advanceClock: (ms) => core.clock.advance(ms),
    setClockOffset: (ms) => core.clock.setOffset(ms),
    createUser: (seed) => toWireUser(seedUser(core, seed)),
    findUser: (email) => {
      const user = findUser(email);
      return user === null ? undefined : toWireUser(user);
    },
    confirmUser: (email) => {
      const user = findUser(email);
      if (user === null) throw new Error(`supabase double: no user ${email}`);
      confirmEmail(user, core.clock.now());
    },
    sessionIds: (email) => {
      const user = findUser(email);
      return user === null ? [] : core.sessions.listForUser(user.id).map((session) => session.id);
    },
    factors: (email) => findUser(email)?.factors.map(toWireFactor) ?? [],
    createTotpFactor: (email, options = {}) => {
      const user = findUser(email);
      if (user === null) throw new Error(`supabase double: no user ${email}`);
      const secret = generateTotpSecret();
      const factor = addTotpFactor(user, {
        friendlyName: options.friendlyName ?? '',
        secret,
        now: core.clock.now(),
      });
      if (options.verified === true) factor.status = 'verified';
      return { id: factor.id, secret };
    },
    totpCode: (secret, offsetMs = 0) => totpCode(secret, core.clock.now() + offsetMs),
    mintJwt: (claims) => {
      const iat = toEpochSeconds(core.clock.now());
      const exp = iat + core.settings().jwtExpirySeconds;
      return core.signer.sign({ iss: core.issuer, iat, exp, ...claims });
    },
    oauth: createOAuthSideChannel(core.oauth),
    injectFault: (spec) => faults.inject(spec),
    pendingFaults: () => faults.pending(),
    clearFaults: () => faults.clear(),
    requests: (filter) => recorder.list(filter),
    lastRequest: (filter) => recorder.list(filter).at(-1),
    clearRequests: () => recorder.clear(),
    internalErrors: () => [...internalErrors],
    reset: () => {
      core.reset();
      faults.clear();
      recorder.clear();
      internalErrors.length = 0;
    },
  };
}

function seedUser(core: DoubleCore, seed: SeedUser): UserRecord {
  const email = normalizeEmail(seed.email);
  if (core.users.findByEmail(email) !== null) {
    throw new Error(`supabase double: user ${email} already exists`);
  }
  const now = core.clock.now();
  const passwordHash = hashPassword(seed.password);
  const user = core.users.insert({ email, passwordHash, data: seed.data ?? {}, now });
  if (seed.confirmed ?? true) confirmEmail(user, now);
  return user;
}
