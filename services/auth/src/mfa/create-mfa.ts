// Puts the second factors together for the service: the key ring, AuthFlow's factor store, the
// TOTP factors (ours or Supabase's), the short-lived state, and the flows that use them.
import { type FingerprintPart, FINGERPRINT_PARTS } from '@authflow/fingerprint';
import type { SessionStore } from '@authflow/sessions';
import type { FastifyBaseLogger } from 'fastify';
import type { AuthConfig } from '../config/load-config.js';
import type { ClientFacts } from '../flows/account-flows.js';
import type { Database } from '../identity/builtin/database.js';
import type { IdentityProvider, IdentityUser } from '../identity/identity-provider.js';
import { SupabaseIdentityProvider } from '../identity/supabase/supabase-provider.js';
import type { Mailer } from '../mail/mailer.js';
import type { LoginThrottle } from '../security/login-throttle.js';
import type { SessionIssuer } from '../sessions/session-issuer.js';
import { BuiltinTotpFactors } from './builtin/builtin-totp-factors.js';
import { SqlFactorStore } from './builtin/sql-factor-store.js';
import { emailCodeSender } from './code-sender.js';
import { deriveKey } from './crypto/derive-key.js';
import { openKeyRing } from './crypto/key-file.js';
import { SecretBox } from './crypto/secret-box.js';
import type { DeviceBindingPolicy } from './device-binding.js';
import { MfaFlows } from './mfa-flows.js';
import type { MfaStateStore } from './mfa-ports.js';
import { createSupabaseMfa, type ProviderSession } from './supabase/index.js';
import { TrustedDeviceCookie } from './trusted-device-cookie.js';

export interface MfaParts {
  readonly flows: MfaFlows;
  /** Supabase: the kept provider sessions (sign-out ends them). */
  readonly providerSessions?: { forget(key: string): Promise<void> };
  /** Supabase: signs in keeping the Supabase session for its MFA API. */
  readonly signInKeepingSession?: (
    input: { email: string; password: string },
    client: ClientFacts,
    key: string,
  ) => Promise<IdentityUser>;
  /** Supabase: keeps a session from elsewhere (an OAuth exchange) under `key`, like a sign-in's. */
  readonly keepProviderSession?: (key: string, session: ProviderSession) => Promise<void>;
}

export interface MfaDependencies {
  readonly db: Database;
  readonly state: MfaStateStore;
  readonly store: SessionStore;
  readonly throttle: LoginThrottle;
  readonly mailer: Mailer;
  readonly provider: IdentityProvider;
  readonly issuer: SessionIssuer;
  readonly logger: FastifyBaseLogger;
  readonly clock?: () => number;
}

export async function createMfa(config: AuthConfig, deps: MfaDependencies): Promise<MfaParts> {
  const ring = await openKeyRing(config, deps.logger);
  const box = new SecretBox(ring);
  const common = {
    factors: new SqlFactorStore(deps.db, { clock: deps.clock }),
    state: deps.state,
    store: deps.store,
    throttle: deps.throttle,
    mailer: deps.mailer,
    codeSender: emailCodeSender(deps.mailer, config.branding),
    branding: config.branding,
    settings: config.mfa,
    binding: deviceBindingPolicy(config),
    trustedCookie: new TrustedDeviceCookie({
      key: deriveKey(ring, 'trusted-device-cookie'),
      secure: config.sessions.cookieSecure,
    }),
    issuer: deps.issuer,
    sessionTtlMs: config.sessions.absoluteTtlMs,
    box: {
      seal: (text: string, aad?: string) => box.seal(text, aad),
      open: (sealed: string, aad?: string) => box.open(sealed, aad),
    },
    ...(deps.clock === undefined ? {} : { clock: deps.clock }),
  };
  const provider = deps.provider;
  if (!(provider instanceof SupabaseIdentityProvider)) {
    return {
      flows: new MfaFlows({
        ...common,
        totp: new BuiltinTotpFactors({
          db: deps.db,
          box,
          issuer: config.mfa.issuer,
          ...(deps.clock === undefined ? {} : { clock: deps.clock }),
        }),
      }),
    };
  }
  const supabase = createSupabaseMfa({
    supabase: {
      url: config.identity.supabase.url ?? '',
      anonKey: config.identity.supabase.anonKey ?? '',
      serviceRoleKey: config.identity.supabase.serviceRoleKey ?? '',
      timeoutMs: config.identity.supabase.timeoutMs,
      breaker: provider.breaker,
    },
    state: deps.state,
    seal: (text, aad) => box.seal(text, aad),
    open: (sealed, aad) => box.open(sealed, aad),
    issuer: config.mfa.issuer,
    ...(deps.clock === undefined ? {} : { clock: deps.clock }),
  });
  return {
    flows: new MfaFlows({ ...common, totp: supabase.totp, providerSessions: supabase.vault }),
    providerSessions: supabase.vault,
    keepProviderSession: (key, session) =>
      supabase.vault.keep(key, session, config.mfa.pendingTtlMs),
    signInKeepingSession: async (input, client, key) => {
      const { user, session } = await provider.signInKeepingSession(input, {
        ip: client.ip,
        requestId: client.id,
      });
      // Until the sign-in becomes a pending one or a session, it waits under a key of its own.
      await supabase.vault.keep(key, session, config.mfa.pendingTtlMs);
      return user;
    },
  };
}

/** What binds pending sign-ins, trusted devices and outside sign-in flows to a device. */
export function deviceBindingPolicy(config: AuthConfig): DeviceBindingPolicy {
  const policy = config.sessions.fingerprintPolicy;
  const enforcedParts: FingerprintPart[] = FINGERPRINT_PARTS.filter(
    (part) => policy[part] === 'enforce',
  );
  return { ipGranularity: config.sessions.ipGranularity, enforcedParts };
}
