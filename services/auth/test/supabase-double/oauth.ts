// OAuth sign-in with PKCE (reference section 10): GET /authorize, POST /token?grant_type=pkce, and
// the test-only side channel that decides who "signs in at the provider".
/*
 * The double has no provider and no /callback. /authorize validates as GoTrue does, takes the
 * next outcome a test queued (`double.oauth.nextSignIn` / `nextRefusal`), applies it as GoTrue's
 * callback would (`createAccountFromExternalIdentity` in `internal/api/external.go`: find the
 * identity, link by verified address, or create the account) and answers with the callback's
 * redirect straight away (reference 10.4). Nothing queued reads as the provider saying no.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { toEpochSeconds } from './clock.js';
import type { DoubleCore } from './double-core.js';
import type { DoubleRequest, RouteHandler } from './double-request.js';
import { normalizeEmail } from './email-address.js';
import { sendEmailLink } from './email-links.js';
import { GoTrueError, goTrueErrors } from './gotrue-errors.js';
import { resolveRedirect } from './redirects.js';
import type { Reply } from './reply.js';
import { optionalString, parseJsonBody, stringOrEmpty } from './request-body.js';
import { sessionReply } from './session-issuer.js';
import type { DoubleSettings } from './settings.js';
import {
  confirmEmail,
  isBanned,
  isEmailConfirmed,
  mergeMetadata,
  type ExternalIdentityRecord,
  type Metadata,
  type UserRecord,
} from './user-store.js';

/** `GOTRUE_EXTERNAL_FLOW_STATE_EXPIRY_DURATION` (300 s, its minimum), counted from /authorize. */
const FLOW_STATE_EXPIRY_MS = 300_000;

/** GoTrue's built-in providers (auth-js 2.119.1's `Provider` type); other names are not found. */
const KNOWN_PROVIDERS: ReadonlySet<string> = new Set(
  'apple azure bitbucket discord facebook figma fly github gitlab google kakao keycloak linkedin linkedin_oidc notion slack slack_oidc spotify twitch twitter workos x zoom'.split(
    ' ',
  ),
);

/** RFC 7636 section 4.2 characters, as GoTrue's `codeChallengePattern`. */
const CODE_CHALLENGE_PATTERN = /^[A-Za-z0-9._~-]{43,128}$/;

/** `getErrorQueryString`: OAuth's `error` for GoTrue's own refusals, by status. */
const OAUTH_ERROR_BY_STATUS: Readonly<Record<number, string>> = {
  400: 'invalid_request',
  401: 'unauthorized_client',
  403: 'access_denied',
  500: 'server_error',
  503: 'temporarily_unavailable',
};
const ACCESS_DENIED_CODES = new Set([
  'signup_disabled',
  'user_banned',
  'provider_email_needs_verification',
]);

const oauthErrors = {
  flowStateNotFound: () =>
    new GoTrueError(404, 'flow_state_not_found', 'invalid flow state, no valid flow state found'),
  flowStateExpired: () =>
    new GoTrueError(422, 'flow_state_expired', 'invalid flow state, flow state has expired'),
  badCodeVerifier: () =>
    new GoTrueError(
      400,
      'bad_code_verifier',
      'code challenge does not match previously saved code verifier',
    ),
  emailNeedsVerification: (message: string) =>
    new GoTrueError(422, 'provider_email_needs_verification', message),
} as const;

/** Who signs in at the provider on the next /authorize for `provider`. */
export interface OAuthSignIn {
  readonly provider: string;
  readonly email: string;
  /** Whether the provider vouches for the address (default true); unverified ones never link. */
  readonly emailVerified?: boolean;
  /** The provider's other claims (`full_name`, `avatar_url`...): identity_data and user_metadata. */
  readonly userMetadata?: Metadata;
  /** The person's id at the provider (default: a number derived from provider and address). */
  readonly subject?: string;
}

/** The provider saying no on the next /authorize (for `provider` only, when given). */
export interface OAuthRefusal {
  readonly error: string;
  /** Absent from a provider's own refusal in GoTrue; GoTrue's refusals carry one. */
  readonly errorCode?: string;
  readonly description?: string;
  readonly provider?: string;
}

export interface OAuthSideChannel {
  nextSignIn(signIn: OAuthSignIn): void;
  nextRefusal(refusal: OAuthRefusal): void;
  /** Outcomes queued and not yet taken by an /authorize. */
  pending(): number;
}

type QueuedOutcome =
  | { readonly kind: 'sign-in'; readonly provider: string; readonly signIn: OAuthSignIn }
  | {
      readonly kind: 'refusal';
      readonly provider: string | undefined;
      readonly refusal: OAuthRefusal;
    };

interface FlowState {
  readonly codeChallenge: string;
  readonly method: 's256' | 'plain';
  readonly userId: string;
  /** Stand-in for the provider's access token, answered as `provider_token`. */
  readonly providerToken: string;
  readonly createdAt: number;
}

export interface OAuthState {
  /** Oldest first. */
  readonly outcomes: QueuedOutcome[];
  /** Flow states holding a signed-in user, by auth code. */
  readonly flows: Map<string, FlowState>;
  clear(): void;
}

interface Refusal {
  readonly error: string;
  readonly errorCode: string | undefined;
  readonly description: string;
}

export function createOAuthState(): OAuthState {
  const state: OAuthState = {
    outcomes: [],
    flows: new Map(),
    clear: () => {
      state.outcomes.length = 0;
      state.flows.clear();
    },
  };
  return state;
}

export function createOAuthSideChannel(state: OAuthState): OAuthSideChannel {
  return {
    nextSignIn: (signIn) => {
      const provider = signIn.provider.toLowerCase();
      if (provider === '' || normalizeEmail(signIn.email) === '') {
        throw new Error('supabase double: nextSignIn needs a provider and an email');
      }
      state.outcomes.push({ kind: 'sign-in', provider, signIn: structuredClone(signIn) });
    },
    nextRefusal: (refusal) => {
      if (refusal.error === '') throw new Error('supabase double: nextRefusal needs an error');
      const provider = refusal.provider?.toLowerCase();
      state.outcomes.push({ kind: 'refusal', provider, refusal: { ...refusal } });
    },
    pending: () => state.outcomes.length,
  };
}

/** Checks in the order of `GetExternalProviderRedirectURL`; refusals are JSON, no redirect. */
export const handleAuthorize: RouteHandler = (request, core) => {
  const settings = core.settings();
  const provider = (request.query.get('provider') ?? '').toLowerCase();
  assertProviderEnabled(provider, settings.externalProviders);
  const challenge = request.query.get('code_challenge') ?? '';
  const method = parseChallengeMethod(challenge, request.query.get('code_challenge_method') ?? '');
  if (method === null) {
    throw goTrueErrors.validationFailed(
      'supabase double: only the PKCE flow is modelled (send code_challenge)',
    );
  }
  const redirectTo = resolveAuthorizeRedirect(request, settings);
  const createdAt = core.clock.now();
  const outcome = settleAtProvider(core, provider, redirectTo);
  if (!outcome.ok) return errorRedirect(redirectTo, outcome.refusal);
  const authCode = randomUUID();
  core.oauth.flows.set(authCode, {
    codeChallenge: challenge,
    method,
    userId: outcome.user.id,
    providerToken: `double_provider_${randomBytes(18).toString('base64url')}`,
    createdAt,
  });
  return redirectReply(withQuery(redirectTo, { code: authCode }));
};

const pkceGrantBody = z.object({ auth_code: optionalString, code_verifier: optionalString });

/** Checks in GoTrue's order (reference 10.3); a wrong verifier keeps the flow state, success ends it. */
export const handlePkceGrant: RouteHandler = (request, core) => {
  const body = parseJsonBody(request.rawBody, pkceGrantBody);
  const authCode = stringOrEmpty(body.auth_code);
  const verifier = stringOrEmpty(body.code_verifier);
  if (authCode === '' || verifier === '') {
    throw goTrueErrors.validationFailed(
      'invalid request: both auth code and code verifier should be non-empty',
    );
  }
  const flow = core.oauth.flows.get(authCode);
  if (flow === undefined) throw oauthErrors.flowStateNotFound();
  const now = core.clock.now();
  if (now > flow.createdAt + FLOW_STATE_EXPIRY_MS) throw oauthErrors.flowStateExpired();
  const user = core.users.findById(flow.userId);
  // GoTrue's FindUserByID fails for an account deleted meanwhile: a 500.
  if (user === null) throw goTrueErrors.unexpectedFailure();
  if (!isVerifierMatch(flow, verifier)) throw oauthErrors.badCodeVerifier();
  core.oauth.flows.delete(authCode);
  user.lastSignInAt = now;
  user.updatedAt = now;
  const amr = { method: 'oauth', timestamp: toEpochSeconds(now) };
  const session = core.sessions.create(user.id, amr, now);
  return sessionReply(core, user, session, { provider_token: flow.providerToken });
};

function assertProviderEnabled(provider: string, enabled: readonly string[]): void {
  if (enabled.some((name) => name.toLowerCase() === provider)) return;
  throw goTrueErrors.validationFailed(
    KNOWN_PROVIDERS.has(provider)
      ? 'Unsupported provider: provider is not enabled'
      : `Unsupported provider: Provider ${provider} could not be found`,
  );
}

/** `validatePKCEParams`, then `ParseCodeChallengeMethod`; `null` for an implicit flow. */
function parseChallengeMethod(challenge: string, method: string): 's256' | 'plain' | null {
  if ((challenge === '') !== (method === '')) {
    throw goTrueErrors.validationFailed(
      'PKCE flow requires code_challenge_method and code_challenge',
    );
  }
  if (challenge === '') return null;
  if (challenge.length < 43 || challenge.length > 128) {
    throw goTrueErrors.validationFailed('code challenge has to be between 43 and 128 characters');
  }
  if (!CODE_CHALLENGE_PATTERN.test(challenge)) {
    throw goTrueErrors.validationFailed(
      'code challenge can only contain alphanumeric characters, hyphens, periods, underscores and tildes',
    );
  }
  const normalized = method.toLowerCase();
  if (normalized === 's256' || normalized === 'plain') return normalized;
  throw goTrueErrors.validationFailed('Invalid code_challenge_method');
}

/** `GetReferrer`: `redirect_to` when allowed, else the Referer when allowed, else the Site URL. */
function resolveAuthorizeRedirect(request: DoubleRequest, settings: DoubleSettings): string {
  for (const candidate of [request.query.get('redirect_to'), request.headers.referer ?? null]) {
    const resolved = resolveRedirect(candidate, settings);
    if (resolved.requested !== null && resolved.effective === resolved.requested) {
      return resolved.effective;
    }
  }
  return settings.siteUrl;
}

type Outcome =
  | { readonly ok: true; readonly user: UserRecord }
  | { readonly ok: false; readonly refusal: Refusal };

/** What the provider and then GoTrue's callback decide for this flow. */
function settleAtProvider(core: DoubleCore, provider: string, redirectTo: string): Outcome {
  const index = core.oauth.outcomes.findIndex(
    (queued) => queued.provider === undefined || queued.provider === provider,
  );
  const [queued] = index === -1 ? [] : core.oauth.outcomes.splice(index, 1);
  if (queued === undefined) {
    const description = `supabase double: no sign-in queued for ${provider} (double.oauth.nextSignIn)`;
    return { ok: false, refusal: { error: 'access_denied', errorCode: undefined, description } };
  }
  if (queued.kind === 'refusal') {
    const { error, errorCode, description = '' } = queued.refusal;
    return { ok: false, refusal: { error, errorCode, description } };
  }
  try {
    return { ok: true, user: signInWithIdentity(core, provider, queued.signIn, redirectTo) };
  } catch (error) {
    if (!(error instanceof GoTrueError)) throw error;
    const oauthError = ACCESS_DENIED_CODES.has(error.code)
      ? 'access_denied'
      : (OAUTH_ERROR_BY_STATUS[error.status] ?? 'server_error');
    return {
      ok: false,
      refusal: { error: oauthError, errorCode: error.code, description: error.message },
    };
  }
}

/**
 * The identity is found by provider and subject; else, when the provider verified the address,
 * linked to the account that holds it; else a new account. Then bans and unconfirmed accounts.
 */
function signInWithIdentity(
  core: DoubleCore,
  provider: string,
  signIn: OAuthSignIn,
  redirectTo: string,
): UserRecord {
  const now = core.clock.now();
  const email = normalizeEmail(signIn.email);
  const verified = signIn.emailVerified ?? true;
  const subject = signIn.subject ?? defaultSubject(provider, email);
  const identityData: Metadata = {
    ...signIn.userMetadata,
    email,
    email_verified: verified,
    phone_verified: false,
    provider_id: subject,
    sub: subject,
  };
  const found = findIdentity(core, provider, subject);
  const holder = found === null && verified ? findAddressHolder(core, email) : null;
  // GoTrue checks the ban after linking, in a transaction the refusal rolls back.
  const existing = found?.user ?? holder;
  if (existing != null && isBanned(existing, now)) throw goTrueErrors.userBanned();
  let user: UserRecord;
  let identity: ExternalIdentityRecord;
  if (found !== null) {
    ({ user, identity } = found);
    identity.identityData = identityData;
    identity.email = email;
    identity.updatedAt = now;
    identity.lastSignInAt = now;
    user.userMetadata = mergeMetadata(user.userMetadata, identityData);
  } else {
    if (holder !== null) holder.userMetadata = mergeMetadata(holder.userMetadata, identityData);
    user = holder ?? createProviderUser(core, provider, { email, verified, identityData, now });
    identity = {
      identityId: randomUUID(),
      provider,
      subject,
      email,
      identityData,
      createdAt: now,
      updatedAt: now,
      lastSignInAt: now,
    };
    user.externalIdentities.push(identity);
  }
  user.updatedAt = now;
  updateProviders(user);
  if (!isEmailConfirmed(user)) {
    settleUnconfirmed(core, user, identity, { provider, verified, redirectTo, now });
  }
  return user;
}

function findIdentity(
  core: DoubleCore,
  provider: string,
  subject: string,
): { user: UserRecord; identity: ExternalIdentityRecord } | null {
  for (const user of core.users.list()) {
    const identity = user.externalIdentities.find(
      (candidate) => candidate.provider === provider && candidate.subject === subject,
    );
    if (identity !== undefined) return { user, identity };
  }
  return null;
}

/** The account whose identities (email or OAuth) or row hold `email`: GoTrue's default linking domain. */
function findAddressHolder(core: DoubleCore, email: string): UserRecord | null {
  const holders = core.users
    .list()
    .filter(
      (user) =>
        (user.identity !== null && user.email === email) ||
        user.externalIdentities.some((identity) => identity.email === email),
    );
  if (holders.length > 1) {
    throw goTrueErrors.unexpectedFailure(
      'Multiple accounts with the same email address in the same linking domain detected: default',
    );
  }
  return holders[0] ?? core.users.findByEmail(email);
}

/** A new account owned by the provider identity: no password, no email identity. */
function createProviderUser(
  core: DoubleCore,
  provider: string,
  input: { email: string; verified: boolean; identityData: Metadata; now: number },
): UserRecord {
  if (core.settings().signupDisabled) throw goTrueErrors.signupDisabled();
  // An unverified address that another account holds is not given to the new one.
  const email = !input.verified && core.users.findByEmail(input.email) !== null ? '' : input.email;
  const user = core.users.insert({
    email,
    passwordHash: '',
    data: input.identityData,
    now: input.now,
  });
  // insert() builds a password account; rows are mutable on purpose.
  user.passwordHash = null;
  user.identity = null;
  user.appMetadata = { provider, providers: [provider] };
  return user;
}

/**
 * GoTrue's `RemoveUnconfirmedIdentities`: whoever registered the address first never confirmed
 * it, so the account keeps only the identity signing in (no password, its metadata). A verified
 * address or autoconfirm then confirms it; otherwise a confirmation mail and a refusal.
 */
function settleUnconfirmed(
  core: DoubleCore,
  user: UserRecord,
  identity: ExternalIdentityRecord,
  flow: { provider: string; verified: boolean; redirectTo: string; now: number },
): void {
  user.passwordHash = null;
  user.identity = null;
  user.externalIdentities = [identity];
  user.userMetadata = { ...identity.identityData };
  updateProviders(user);
  if (flow.verified || core.settings().autoconfirm) {
    confirmEmail(user, flow.now);
    return;
  }
  const provider = flow.provider;
  if (user.email === '') {
    throw oauthErrors.emailNeedsVerification(
      `Unverified email with ${provider}. Verify the email with ${provider} in order to sign in`,
    );
  }
  sendEmailLink(core, user, 'signup', { requested: flow.redirectTo, effective: flow.redirectTo });
  throw oauthErrors.emailNeedsVerification(
    `Unverified email with ${provider}. A confirmation email has been sent to your ${provider} email`,
  );
}

/** `UpdateAppMetaDataProviders`: the providers of the identities; `provider` stays the first one. */
function updateProviders(user: UserRecord): void {
  const providers = [
    ...(user.identity === null ? [] : ['email']),
    ...user.externalIdentities.map((identity) => identity.provider),
  ];
  user.appMetadata = { ...user.appMetadata, providers: [...new Set(providers)] };
}

/** A stable number per provider and address, the way GitHub's user ids look. */
function defaultSubject(provider: string, email: string): string {
  const digest = createHash('sha256').update(`${provider}:${email}`).digest('hex');
  return String(Number.parseInt(digest.slice(0, 12), 16));
}

function isVerifierMatch(flow: FlowState, verifier: string): boolean {
  if (flow.method === 'plain') return verifier === flow.codeChallenge;
  return createHash('sha256').update(verifier).digest('base64url') === flow.codeChallenge;
}

/** `redirectErrors`: the error in the query (other parameters kept) and in the fragment with `sb`. */
function errorRedirect(target: string, refusal: Refusal): Reply {
  const query: Record<string, string> = {
    error: refusal.error,
    error_description: refusal.description,
  };
  if (refusal.errorCode !== undefined) query.error_code = refusal.errorCode;
  const fragment = new URLSearchParams({ ...query, sb: '' });
  if (refusal.description === '') fragment.delete('error_description');
  fragment.sort();
  const url = new URL(withQuery(target, query));
  url.hash = fragment.toString();
  return redirectReply(url.href);
}

/** Go's `url.Values.Encode` re-encodes the whole query with its keys sorted, as here. */
function withQuery(target: string, params: Readonly<Record<string, string>>): string {
  const url = new URL(target);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  url.searchParams.sort();
  return url.href;
}

function redirectReply(location: string): Reply {
  return { status: 302, headers: { location } };
}
