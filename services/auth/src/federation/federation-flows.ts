// Sign-in with an outside identity provider, once for pages and API: start a flow (state, PKCE,
// nonce kept server-side, bound to the browser and its device), finish it (the provider's answer
// checked), then find, link or make the account and open an ordinary AuthFlow session.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SessionStore } from '@authflow/sessions';
import type { AuthflowError } from '@authflow/errors';
import type { UserDirectory } from '../admin/admin-ports.js';
import type { Branding } from '../branding.js';
import { authErrors } from '../errors/auth-errors.js';
import type { ClientFacts, SessionOpener } from '../flows/account-flows.js';
import type { IdentityUser } from '../identity/identity-provider.js';
import { identityLinkedMail, identityLinkMail } from '../mail/mail-templates.js';
import type { Mailer } from '../mail/mailer.js';
import { type DeviceBindingPolicy, deviceBinding } from '../mfa/device-binding.js';
import type { MfaFlows, MfaMethod } from '../mfa/mfa-flows.js';
import type { PendingSignIn } from '../mfa/mfa-ports.js';
import { SSO_PATHS, ssoCallbackPath } from '../pages/federation-pages.js';
import type { ProviderSession } from '../mfa/supabase/provider-session.js';
import type { IdentityLinks, LinkedIdentity } from './builtin/identity-links.js';
import type { ExternalProfile, ExternalProvider } from './external-provider.js';
import { type FederationError, isFederationError } from './external-provider.js';
import type { FlowStore } from './flow-store.js';
import type { GuardedProvider } from './guarded-provider.js';
import type { ProviderConfig } from './providers-file.js';

/** A confirmation mail's link lives this long. */
const LINK_TTL_MS = 30 * 60_000;

/** RFC 8176 methods a provider may assert that count as a second factor (with trustProviderMfa). */
const SECOND_FACTOR_METHODS = new Set(['mfa', 'otp', 'hwk', 'swk', 'sms', 'face', 'fpt', 'iris']);

/** RFC 8176 method names kept from a provider's `amr` (anything else is dropped). */
const RFC_8176 = new Set([
  'face',
  'fpt',
  'geo',
  'hwk',
  'iris',
  'kba',
  'mca',
  'mfa',
  'otp',
  'pin',
  'pwd',
  'rba',
  'retina',
  'sc',
  'sms',
  'swk',
  'tel',
  'user',
  'vbm',
  'wia',
]);

/** Accounts of the built-in store, as the flows need them (Supabase owns its own linking). */
export interface BuiltinAccounts {
  readonly links: IdentityLinks;
  findByEmail(email: string): Promise<{ readonly id: string; readonly email: string } | undefined>;
  createExternalAccount(input: { readonly email: string }): Promise<IdentityUser | undefined>;
}

export interface FederationFlowsOptions {
  /** In the providers file's order. */
  readonly providers: readonly GuardedProvider[];
  readonly flows: FlowStore;
  readonly issuer: SessionOpener;
  readonly store: SessionStore;
  readonly directory: UserDirectory;
  /** Built-in store: linking and first-sign-in accounts. Absent with Supabase. */
  readonly builtin?: BuiltinAccounts;
  readonly mfa?: MfaFlows;
  /** Supabase: keeps the user's Supabase session for its MFA API (sealed, as a sign-in's). */
  readonly keepProviderSession?: (key: string, session: ProviderSession) => Promise<void>;
  readonly mailer: Mailer;
  readonly branding: Branding;
  readonly binding: DeviceBindingPolicy;
  /** Public URL of the auth pages (`https://app.example.com`): redirect URIs are built on it. */
  readonly publicUrl: string;
  /** AUTH_OIDC_JIT: make an account at a first sign-in (else only existing accounts, linked). */
  readonly jit: boolean;
  /** AUTH_LOGIN_METHODS has `password`: a usable password is a way into the account. */
  readonly passwords: boolean;
  /** Retry-After of an outage: when the provider's breaker tries again. */
  readonly retryAfterSeconds: number;
  /** The verified handoff target, or the default landing page. */
  readonly landingFor: (next: string | undefined) => string;
  readonly now?: () => number;
}

export interface ProviderButton {
  readonly id: string;
  readonly name: string;
  readonly icon: string;
  /** False while the provider's breaker is open: the button explains the outage. */
  readonly available: boolean;
}

export type FederationOutcome =
  | {
      readonly kind: 'signed_in';
      readonly token: string;
      readonly redirectTo: string;
      readonly user: IdentityUser;
    }
  | {
      readonly kind: 'mfa_required';
      readonly pendingToken: string;
      readonly pending: PendingSignIn;
      readonly methods: readonly MfaMethod[];
    }
  /** The address matches an account: a confirmation went to it; nothing is linked yet. */
  | { readonly kind: 'link_mail_sent'; readonly providerName: string }
  /** A signed-in user linked the identity to their account. */
  | { readonly kind: 'linked'; readonly providerName: string };

export class FederationFlows {
  readonly #o: FederationFlowsOptions;
  readonly #byId: ReadonlyMap<string, GuardedProvider>;
  readonly #now: () => number;

  constructor(options: FederationFlowsOptions) {
    this.#o = options;
    this.#byId = new Map(options.providers.map((entry) => [entry.config.id, entry]));
    this.#now = options.now ?? Date.now;
  }

  /** The login page's buttons, in configuration order. */
  buttons(): ProviderButton[] {
    return this.#o.providers.map((entry) => ({
      id: entry.config.id,
      name: entry.config.name,
      icon: entry.config.icon,
      available: entry.available(),
    }));
  }

  /** Whether identities can be listed and unlinked here (built-in store). */
  get managesLinks(): boolean {
    return this.#o.builtin !== undefined;
  }

  providerName(id: string): string | undefined {
    return this.#byId.get(id)?.config.name;
  }

  /** The redirect URI to register at the provider for `id`. */
  redirectUriFor(id: string): string {
    return new URL(ssoCallbackPath(id), this.#o.publicUrl).href;
  }

  /**
   * Starts a flow: the provider's URL to send the browser to, and the state to bind to it (the
   * flow cookie's value). `userId` makes it a link flow for that signed-in user.
   */
  async start(
    id: string,
    input: { readonly next?: string | undefined; readonly userId?: string },
    client: ClientFacts,
  ): Promise<{ readonly url: string; readonly state: string }> {
    const entry = this.#provider(id);
    const state = randomBytes(32).toString('base64url');
    const redirectUri = this.#redirectUriWithState(entry, state);
    const started = await entry.provider.start({ redirectUri, state }).catch((error: unknown) => {
      throw toAuthError(error, entry.config.name, this.#o.retryAfterSeconds);
    });
    await this.#o.flows.put({
      provider: id,
      state,
      codeVerifier: started.secrets.codeVerifier,
      ...(started.secrets.nonce === undefined ? {} : { nonce: started.secrets.nonce }),
      redirectUri,
      ...(input.next === undefined ? {} : { next: input.next }),
      mode: input.userId === undefined ? 'signin' : 'link',
      ...(input.userId === undefined ? {} : { userId: input.userId }),
      device: deviceBinding(client, this.#o.binding),
      createdAt: this.#now(),
    });
    client.log.info(
      { event: 'sso.started', provider: id, mode: input.userId === undefined ? 'signin' : 'link' },
      'sign-in with an outside provider started',
    );
    return { url: started.url, state };
  }

  /**
   * Finishes a flow from the provider's callback: the state must be the one this browser's flow
   * cookie holds, unused and unexpired, from the same device; the provider's answer is checked by
   * its adapter. Then the account: linked, matched (a confirmation mail), made, or refused.
   */
  async finish(
    id: string,
    input: { readonly callbackUrl: URL; readonly flowCookie: string | undefined },
    client: ClientFacts,
  ): Promise<FederationOutcome> {
    const entry = this.#provider(id);
    const state = input.callbackUrl.searchParams.get('state') ?? '';
    if (input.flowCookie === undefined || !sameText(state, input.flowCookie))
      throw this.#refuse(client, id, 'state_mismatch');
    const flow = await this.#o.flows.take(state);
    if (flow === null || flow.provider !== id) throw this.#refuse(client, id, 'unknown_state');
    if (flow.device !== deviceBinding(client, this.#o.binding))
      throw this.#refuse(client, id, 'other_device');
    let profile: ExternalProfile;
    try {
      profile = await entry.provider.complete({
        callbackUrl: input.callbackUrl,
        redirectUri: flow.redirectUri,
        secrets: {
          state: flow.state,
          codeVerifier: flow.codeVerifier,
          ...(flow.nonce === undefined ? {} : { nonce: flow.nonce }),
        },
      });
    } catch (error) {
      if (isFederationError(error)) this.#logFailure(client, id, error);
      throw toAuthError(error, entry.config.name, this.#o.retryAfterSeconds);
    }
    // An address the configuration trusts as verified (`trustEmail`) counts as one.
    if ('trustEmail' in entry.config && entry.config.trustEmail && profile.email !== undefined)
      profile = { ...profile, emailVerified: true };
    checkDomain(entry.config, profile, client);
    if (flow.mode === 'link' && flow.userId !== undefined)
      return this.#linkSignedIn(entry, profile, flow.userId, client);
    const user = await this.#accountFor(entry, profile, client);
    if ('kind' in user) return user;
    return this.#openSession(entry, profile, user, flow.next, client);
  }

  /** Follows a confirmation mail's link: the identity is linked to the account it was mailed to. */
  async confirmLink(
    token: string,
    client: ClientFacts,
  ): Promise<{ readonly providerName: string }> {
    const builtin = this.#o.builtin;
    if (builtin === undefined) throw authErrors.create('not_found');
    const confirmed = await builtin.links.confirmLink(hashToken(token), new Date(this.#now()));
    if (confirmed === undefined) throw authErrors.create('invalid_token');
    const { request, outcome } = confirmed;
    if (outcome === 'taken') throw authErrors.create('identity_in_use');
    const providerName = this.providerName(request.provider) ?? request.provider;
    client.log.info(
      {
        audit: true,
        event: 'identity.linked',
        userId: request.userId,
        provider: request.provider,
        via: 'email_confirmation',
      },
      'outside identity linked',
    );
    await this.#notifyLinked(request.userId, providerName, client);
    return { providerName };
  }

  /** The outside identities of a built-in account, with their providers' names. */
  async identities(
    userId: string,
  ): Promise<(LinkedIdentity & { readonly providerName: string })[]> {
    const builtin = this.#o.builtin;
    if (builtin === undefined) return [];
    const linked = await builtin.links.list(userId);
    return linked.map((identity) => ({
      ...identity,
      providerName: this.providerName(identity.provider) ?? identity.provider,
    }));
  }

  /** Removes an identity from an account, never its last way in. */
  async unlink(userId: string, provider: string, client: ClientFacts): Promise<void> {
    const builtin = this.#o.builtin;
    if (builtin === undefined) throw authErrors.create('not_found');
    const outcome = await builtin.links.unlink(userId, provider, {
      passwordCounts: this.#o.passwords,
    });
    if (outcome === 'unknown') throw authErrors.create('not_found');
    if (outcome === 'last') throw authErrors.create('last_sign_in_method');
    client.log.info(
      { audit: true, event: 'identity.unlinked', userId, provider },
      'outside identity unlinked',
    );
  }

  #provider(id: string): GuardedProvider {
    const entry = this.#byId.get(id);
    if (entry === undefined) throw authErrors.create('not_found');
    return entry;
  }

  /** Supabase keeps its own `state`: AuthFlow's travels in the redirect URI, which GoTrue keeps. */
  #redirectUriWithState(entry: GuardedProvider, state: string): string {
    const base = this.redirectUriFor(entry.config.id);
    if (entry.provider.kind !== 'supabase') return base;
    const url = new URL(base);
    url.searchParams.set('state', state);
    return url.href;
  }

  /** The account this identity opens, or what happens instead (a confirmation mail). */
  async #accountFor(
    entry: GuardedProvider,
    profile: ExternalProfile,
    client: ClientFacts,
  ): Promise<IdentityUser | FederationOutcome> {
    if (profile.account !== undefined) return profile.account;
    const builtin = this.#o.builtin;
    if (builtin === undefined) throw authErrors.create('account_not_found');
    const now = new Date(this.#now());
    const linkedTo = await builtin.links.userOf(profile.provider, profile.subject);
    if (linkedTo !== undefined) {
      await builtin.links.recordSignIn(profile.provider, profile.subject, profile.email, now);
      const user = await this.#o.directory.getUser(linkedTo);
      if (user === null) throw authErrors.create('account_not_found');
      return user;
    }
    const existing =
      profile.email === undefined ? undefined : await builtin.findByEmail(profile.email);
    if (existing !== undefined) {
      // Never linked on the address alone: only a verified address, and only once the owner
      // confirms from their mailbox.
      if (!profile.emailVerified) throw this.#refuse(client, profile.provider, 'email_unverified');
      const token = randomBytes(32).toString('base64url');
      await builtin.links.requestLink({
        userId: existing.id,
        provider: profile.provider,
        subject: profile.subject,
        email: profile.email ?? null,
        tokenHash: hashToken(token),
        now,
        expiresAt: new Date(now.getTime() + LINK_TTL_MS),
      });
      await this.#o.mailer.send(
        identityLinkMail(this.#o.branding, {
          to: existing.email,
          providerName: entry.config.name,
          link: new URL(`${SSO_PATHS.link}?token=${token}`, this.#o.publicUrl).href,
          expiresInMinutes: LINK_TTL_MS / 60_000,
        }),
      );
      client.log.info(
        {
          audit: true,
          event: 'identity.link_requested',
          userId: existing.id,
          provider: profile.provider,
        },
        'outside identity matches an account: confirmation mailed',
      );
      return { kind: 'link_mail_sent', providerName: entry.config.name };
    }
    if (!this.#o.jit) throw this.#refuse(client, profile.provider, 'no_account');
    // A first account only for an address the provider verified: otherwise anyone could claim
    // an address at a provider and hold the account its real owner makes later.
    if (profile.email === undefined || !profile.emailVerified)
      throw this.#refuse(client, profile.provider, 'email_unverified');
    const created = await builtin.createExternalAccount({ email: profile.email });
    if (created === undefined) throw authErrors.create('identity_in_use');
    await builtin.links.markPasswordUnusable(created.id);
    const linked = await builtin.links.link({
      userId: created.id,
      provider: profile.provider,
      subject: profile.subject,
      email: profile.email,
      now,
    });
    if (linked === 'taken') throw authErrors.create('identity_in_use');
    await builtin.links.recordSignIn(profile.provider, profile.subject, profile.email, now);
    client.log.info(
      { audit: true, event: 'signup.external', userId: created.id, provider: profile.provider },
      'account made at a first outside sign-in',
    );
    const user = await this.#o.directory.getUser(created.id);
    return user ?? { ...created, disabled: false, createdAt: now.getTime() };
  }

  async #linkSignedIn(
    entry: GuardedProvider,
    profile: ExternalProfile,
    userId: string,
    client: ClientFacts,
  ): Promise<FederationOutcome> {
    const builtin = this.#o.builtin;
    if (builtin === undefined) throw authErrors.create('not_found');
    const outcome = await builtin.links.link({
      userId,
      provider: profile.provider,
      subject: profile.subject,
      email: profile.email ?? null,
      now: new Date(this.#now()),
    });
    if (outcome === 'taken') throw authErrors.create('identity_in_use');
    client.log.info(
      {
        audit: true,
        event: 'identity.linked',
        userId,
        provider: profile.provider,
        via: 'signed_in',
      },
      'outside identity linked',
    );
    await this.#notifyLinked(userId, entry.config.name, client);
    return { kind: 'linked', providerName: entry.config.name };
  }

  async #openSession(
    entry: GuardedProvider,
    profile: ExternalProfile,
    account: IdentityUser & { readonly disabled?: boolean },
    next: string | undefined,
    client: ClientFacts,
  ): Promise<FederationOutcome> {
    if (account.disabled === true) {
      client.log.info(
        { audit: true, event: 'login.refused', reason: 'account_disabled', userId: account.id },
        'sign-in refused: account disabled',
      );
      throw authErrors.create('account_disabled');
    }
    const user = await this.#applyGroups(entry.config, profile, account, client);
    const asserted = profile.amr.filter((method) => RFC_8176.has(method));
    const providerMfa =
      'trustProviderMfa' in entry.config &&
      entry.config.trustProviderMfa &&
      asserted.some((method) => SECOND_FACTOR_METHODS.has(method));
    // A second factor at the provider counts (and is named) only when the configuration trusts
    // it: a backend reading `mfa` in `amr` must be able to rely on it.
    const amr = unique([
      'fed',
      ...asserted.filter((method) => providerMfa || !SECOND_FACTOR_METHODS.has(method)),
    ]);
    const mfa = this.#o.mfa;
    // Supabase: its MFA API needs the user's own session, kept like a password sign-in's.
    const providerSessionKey =
      profile.providerSession !== undefined && this.#o.keepProviderSession !== undefined
        ? `signin:${randomBytes(16).toString('base64url')}`
        : undefined;
    if (providerSessionKey !== undefined && profile.providerSession !== undefined)
      await this.#o.keepProviderSession?.(providerSessionKey, profile.providerSession);
    if (mfa !== undefined && !providerMfa) {
      const due = await mfa.afterPassword(
        user,
        {
          next,
          provider: entry.config.id,
          trustedCookie: undefined,
          amr,
          ...(providerSessionKey === undefined ? {} : { providerSessionKey }),
        },
        client,
      );
      if (due.required)
        return {
          kind: 'mfa_required',
          pendingToken: due.token,
          pending: due.pending,
          methods: due.methods,
        };
    }
    const { token, session } = await this.#o.issuer.issue(user, client, {
      aal: providerMfa ? 'aal2' : 'aal1',
      amr: providerMfa ? unique([...amr, 'mfa']) : amr,
      mfaAt: providerMfa ? this.#now() : null,
      provider: entry.config.id,
    });
    if (providerSessionKey !== undefined)
      await mfa?.keepProviderSession(providerSessionKey, session.id);
    return { kind: 'signed_in', token, user, redirectTo: this.#o.landingFor(next) };
  }

  /**
   * Roles from the provider's groups, at every sign-in: the roles the mapping can give are
   * replaced by those the groups give now; roles set by other means stay.
   */
  async #applyGroups(
    config: ProviderConfig,
    profile: ExternalProfile,
    user: IdentityUser,
    client: ClientFacts,
  ): Promise<IdentityUser> {
    const mapping = Object.entries('groupsToRoles' in config ? config.groupsToRoles : {});
    if (mapping.length === 0 || profile.account !== undefined) return user;
    const managed = new Set(mapping.flatMap(([, roles]) => roles));
    const groups = new Set(profile.groups);
    const granted = mapping.filter(([group]) => groups.has(group)).flatMap(([, roles]) => roles);
    const roles = unique([...user.roles.filter((role) => !managed.has(role)), ...granted]).sort();
    if (sameList(roles, [...user.roles].sort())) return user;
    const updated = await this.#o.directory.setRoles(user.id, roles);
    await this.#o.store.setRolesForUser(user.id, roles);
    client.log.info(
      {
        audit: true,
        event: 'roles.synced',
        userId: user.id,
        provider: config.id,
        rolesBefore: [...user.roles],
        rolesAfter: roles,
      },
      'roles set from the provider groups',
    );
    return updated ?? { ...user, roles };
  }

  async #notifyLinked(userId: string, providerName: string, client: ClientFacts): Promise<void> {
    const user = await this.#o.directory.getUser(userId);
    if (user === null) return;
    await this.#o.mailer
      .send(
        identityLinkedMail(this.#o.branding, {
          to: user.email,
          providerName,
          when: new Date(this.#now()),
          ip: client.ip,
        }),
      )
      .catch((error: unknown) =>
        client.log.warn(
          { kind: 'identity_linked', code: (error as { code?: unknown } | null)?.code },
          'the identity-linked notice could not be queued',
        ),
      );
  }

  #refuse(client: ClientFacts, provider: string, reason: string): AuthflowError {
    client.log.info(
      { audit: true, event: 'login.failed', reason, provider, ip: client.ip },
      'sign-in with an outside provider refused',
    );
    switch (reason) {
      case 'email_unverified':
        return authErrors.create('email_unverified');
      case 'no_account':
        return authErrors.create('account_not_found');
      default:
        return authErrors.create('sign_in_expired');
    }
  }

  #logFailure(client: ClientFacts, provider: string, error: FederationError): void {
    client.log.info(
      {
        audit: true,
        event: 'login.failed',
        reason: error.code,
        provider,
        detail: error.detail,
        ip: client.ip,
      },
      'sign-in with an outside provider failed',
    );
  }
}

function checkDomain(config: ProviderConfig, profile: ExternalProfile, client: ClientFacts): void {
  const allowed = config.allowedDomains;
  if (allowed === undefined) return;
  const domain = profile.email?.split('@').pop()?.toLowerCase();
  if (profile.emailVerified && domain !== undefined && allowed.includes(domain)) return;
  client.log.info(
    { audit: true, event: 'login.failed', reason: 'email_domain_not_allowed', provider: config.id },
    'sign-in with an outside provider refused: domain',
  );
  throw authErrors.create('email_domain_not_allowed');
}

/** The page's or API's error for a provider failure. */
export function toAuthError(
  error: unknown,
  providerName: string,
  retryAfterSeconds: number,
): unknown {
  if (!isFederationError(error)) return error;
  switch (error.code) {
    case 'provider_unavailable':
      return authErrors.create('external_provider_unavailable', {
        message: `${providerName} cannot be reached right now. Try again soon, or sign in another way.`,
        headers: { 'retry-after': String(retryAfterSeconds) },
        cause: error,
      });
    case 'provider_refused':
      return authErrors.create('provider_refused', { cause: error });
    case 'email_not_allowed':
      return authErrors.create('email_domain_not_allowed', { cause: error });
    case 'email_missing':
      return authErrors.create('email_unverified', { cause: error });
    case 'unknown_provider':
      return authErrors.create('not_found', { cause: error });
    default:
      return authErrors.create('sign_in_expired', { cause: error });
  }
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}

export type { ExternalProvider };
