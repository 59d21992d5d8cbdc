// Second factors with Supabase as the identity provider: TOTP factors live in Supabase, called
// with the user's own Supabase session, which AuthFlow keeps sealed in its MFA state store.
import type { MfaStateStore } from '../mfa-ports.js';
import { ProviderSessionVault } from './provider-session-vault.js';
import { SupabaseMfaApi, type SupabaseMfaApiOptions } from './supabase-mfa-api.js';
import { SupabaseTotpFactors } from './supabase-totp-factors.js';

export { type ProviderSession, toProviderSession } from './provider-session.js';
export {
  ProviderSessionVault,
  type ProviderSessionVaultOptions,
} from './provider-session-vault.js';
export {
  isDeadSession,
  ProviderSessionError,
  type SupabaseBreaker,
  SupabaseMfaApi,
  type SupabaseMfaApiOptions,
} from './supabase-mfa-api.js';
export {
  SupabaseTotpFactors,
  type SupabaseTotpFactorsOptions,
  USED_CODE_TTL_MS,
} from './supabase-totp-factors.js';

export interface SupabaseMfaOptions {
  /** Where and how to reach Supabase; pass the identity provider's `breaker`. */
  readonly supabase: SupabaseMfaApiOptions;
  readonly state: Pick<MfaStateStore, 'putSecret' | 'getSecret' | 'deleteSecret' | 'claimOnce'>;
  /** The secret box: kept sessions are sealed with it, bound to their key. */
  readonly seal: (text: string, aad: string) => string;
  readonly open: (sealed: string, aad: string) => string;
  readonly issuer?: string;
  /** End a kept session at Supabase when AuthFlow forgets it (sign-out). Default true. */
  readonly revokeOnForget?: boolean;
  readonly clock?: () => number;
}

/** The three parts wired together: the API client, the vault (`ProviderSessionKeeper`) and the factors. */
export function createSupabaseMfa(options: SupabaseMfaOptions): {
  readonly api: SupabaseMfaApi;
  readonly vault: ProviderSessionVault;
  readonly totp: SupabaseTotpFactors;
} {
  const clock = options.clock ?? Date.now;
  const api = new SupabaseMfaApi({ clock, ...options.supabase });
  const vault = new ProviderSessionVault({
    store: options.state,
    seal: options.seal,
    open: options.open,
    refresh: (refreshToken) => api.refresh(refreshToken),
    ...(options.revokeOnForget === false ? {} : { revoke: (session) => api.revoke(session) }),
    clock,
  });
  const totp = new SupabaseTotpFactors({
    api,
    vault,
    claimOnce: (key, ttlMs) => options.state.claimOnce(key, ttlMs),
    ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
    clock,
  });
  return { api, vault, totp };
}
