// Sign-in with outside providers, assembled from the providers file: one adapter per entry
// (OpenID Connect, GitHub, or Supabase's OAuth), each behind its breaker, flows kept in Redis.
import { ConfigError } from '@authflow/config';
import type { SessionStore } from '@authflow/sessions';
import type { Redis } from 'ioredis';
import type { UserDirectory } from '../admin/admin-ports.js';
import type { AuthConfig } from '../config/load-config.js';
import { type BreakerWatch, watchBreaker } from '../dependencies/open-dependencies.js';
import type { SessionOpener } from '../flows/account-flows.js';
import { BuiltinIdentityProvider } from '../identity/builtin/builtin-provider.js';
import type { Database } from '../identity/builtin/database.js';
import { UserStore } from '../identity/builtin/user-store.js';
import type { IdentityProvider } from '../identity/identity-provider.js';
import type { Mailer } from '../mail/mailer.js';
import type { DeviceBindingPolicy } from '../mfa/device-binding.js';
import type { MfaFlows } from '../mfa/mfa-flows.js';
import type { ProviderSession } from '../mfa/supabase/provider-session.js';
import { IdentityLinks } from './builtin/identity-links.js';
import type { ExternalProvider } from './external-provider.js';
import { FederationFlows } from './federation-flows.js';
import { MemoryFlowStore, RedisFlowStore } from './flow-store.js';
import { GitHubProvider } from './github/github-provider.js';
import { guardProvider } from './guarded-provider.js';
import { OidcProvider } from './oidc/oidc-provider.js';
import { type ProviderConfig, readProvidersFile } from './providers-file.js';
import { SupabaseOAuthProvider } from './supabase/supabase-oauth-provider.js';

export interface FederationDependencies {
  readonly provider: IdentityProvider;
  readonly db: Database | undefined;
  readonly redis: Redis | undefined;
  readonly directory: UserDirectory | undefined;
  readonly store: SessionStore;
  readonly issuer: SessionOpener;
  readonly mfa: MfaFlows | undefined;
  /** Supabase: keeps the user's Supabase session for its MFA API. */
  readonly keepProviderSession?:
    ((key: string, session: ProviderSession) => Promise<void>) | undefined;
  readonly mailer: Mailer;
  readonly binding: DeviceBindingPolicy;
  readonly landingFor: (next: string | undefined) => string;
  readonly watch: BreakerWatch;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Tests: the fetch the GitHub adapter uses. */
  readonly fetch?: typeof fetch;
}

/** `undefined` without a providers file (passwords only). */
export async function createFederation(
  config: AuthConfig,
  deps: FederationDependencies,
): Promise<FederationFlows | undefined> {
  const settings = config.federation;
  if (settings.providersFile === undefined || !settings.sso) {
    if (!settings.passwords)
      throw new ConfigError([
        'AUTH_LOGIN_METHODS: without password, AUTH_PROVIDERS_FILE must name at least one provider',
      ]);
    return undefined;
  }
  const read = await readProvidersFile(settings.providersFile, {
    env: deps.env ?? process.env,
    identityProvider: config.identity.provider,
  });
  if (!read.ok) throw new ConfigError(read.problems);
  if (read.providers.length === 0 && !settings.passwords)
    throw new ConfigError([
      'AUTH_LOGIN_METHODS: without password, AUTH_PROVIDERS_FILE must name at least one provider',
    ]);
  if (deps.directory === undefined)
    throw new ConfigError(['AUTH_PROVIDERS_FILE: needs auth\u2019s own database for its accounts']);
  const providers = read.providers.map((entry) => {
    const guarded = guardProvider(entry, adapterFor(entry, config, deps), {
      resetTimeoutMs: deps.watch.resetTimeoutMs,
    });
    watchBreaker(
      deps.watch,
      guarded.breaker,
      `the "Sign in with ${entry.name}" button says it is unavailable`,
    );
    return guarded;
  });
  const builtin =
    deps.provider instanceof BuiltinIdentityProvider && deps.db !== undefined
      ? builtinAccounts(deps.provider, deps.db)
      : undefined;
  return new FederationFlows({
    providers,
    flows: deps.redis === undefined ? new MemoryFlowStore() : new RedisFlowStore(deps.redis),
    issuer: deps.issuer,
    store: deps.store,
    directory: deps.directory,
    ...(builtin === undefined ? {} : { builtin }),
    ...(deps.mfa === undefined ? {} : { mfa: deps.mfa }),
    ...(deps.keepProviderSession === undefined
      ? {}
      : { keepProviderSession: deps.keepProviderSession }),
    mailer: deps.mailer,
    branding: config.branding,
    binding: deps.binding,
    publicUrl: config.server.publicUrl,
    jit: settings.jit,
    passwords: settings.passwords,
    retryAfterSeconds: Math.max(1, Math.ceil(deps.watch.resetTimeoutMs / 1_000)),
    landingFor: deps.landingFor,
  });
}

function adapterFor(
  entry: ProviderConfig,
  config: AuthConfig,
  deps: FederationDependencies,
): ExternalProvider {
  const timeoutMs = config.federation.timeoutMs;
  switch (entry.type) {
    case 'oidc':
      return new OidcProvider({
        id: entry.id,
        issuer: entry.issuer,
        clientId: entry.clientId,
        clientSecret: entry.clientSecret,
        scopes: entry.scopes,
        claims: entry.claims,
        timeoutMs,
        authorizationParams: entry.authorizationParams,
        allowInsecure: new URL(entry.issuer).protocol === 'http:',
        tokenAuthMethod: entry.tokenAuthMethod,
      });
    case 'github':
      return new GitHubProvider({
        id: entry.id,
        clientId: entry.clientId,
        clientSecret: entry.clientSecret,
        scopes: entry.scopes,
        // Relative to webUrl, path included (an Enterprise Server under a path prefix).
        authorizeUrl: new URL('login/oauth/authorize', withSlash(entry.webUrl)).href,
        tokenUrl: new URL('login/oauth/access_token', withSlash(entry.webUrl)).href,
        apiUrl: entry.apiUrl,
        timeoutMs,
        ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }),
      });
    case 'supabase': {
      const { url, anonKey } = config.identity.supabase;
      if (url === undefined || anonKey === undefined)
        throw new ConfigError([
          `providers.${entry.id}: type supabase needs AUTH_SUPABASE_URL and AUTH_SUPABASE_ANON_KEY`,
        ]);
      return new SupabaseOAuthProvider({
        id: entry.id,
        supabaseProvider: entry.supabaseProvider,
        url,
        anonKey,
        scopes: entry.scopes,
        timeoutMs,
        ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }),
      });
    }
  }
}

function builtinAccounts(provider: BuiltinIdentityProvider, db: Database) {
  const users = new UserStore(db);
  return {
    links: new IdentityLinks(db),
    findByEmail: async (email: string) => {
      const row = await users.findByEmail(email);
      return row === undefined ? undefined : { id: row.id, email: row.email };
    },
    createExternalAccount: (input: { readonly email: string }) =>
      provider.createExternalAccount(input),
  };
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
