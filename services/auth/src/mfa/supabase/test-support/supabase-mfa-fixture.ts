// A Supabase contract double, the Supabase provider, and the Supabase MFA parts wired as the
// service wires them (real secret box, memory MFA state store), one set per test file.
import { randomBytes } from 'node:crypto';
import { TOTP, URI } from 'otpauth';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import {
  startSupabaseDouble,
  type SupabaseDouble,
} from '../../../../test/supabase-double/supabase-double.js';
import type { RequestContext } from '../../../identity/identity-provider.js';
import { SupabaseIdentityProvider } from '../../../identity/supabase/supabase-provider.js';
import { createKeyRing } from '../../crypto/encryption-keys.js';
import { SecretBox } from '../../crypto/secret-box.js';
import type { FactorOwner } from '../../mfa-ports.js';
import { MemoryMfaStateStore } from '../../state/memory-mfa-state-store.js';
import { createSupabaseMfa } from '../index.js';

export const context: RequestContext = { ip: '198.51.100.23', requestId: 'supabase-mfa-test' };
export const password = 'correct horse battery staple';
/** As long as an AuthFlow session: long enough to outlast the clock jumps of the tests. */
export const KEPT_MS = 24 * 3_600_000;

export interface SupabaseMfaFixture {
  readonly double: SupabaseDouble;
  readonly provider: SupabaseIdentityProvider;
  readonly state: MemoryMfaStateStore;
  readonly box: SecretBox;
  readonly mfa: ReturnType<typeof createSupabaseMfa>;
  /** Seeds a confirmed user, signs in keeping the session under `key`; the owner to act as. */
  signIn(email: string, key: string): Promise<FactorOwner>;
  /** The code an authenticator app shows for `uri` at double time (plus `offsetMs`). */
  codeFor(uri: string, offsetMs?: number): string;
}

/** Registers the hooks; the getter works once `beforeAll` has run. */
export function useSupabaseMfa(): () => SupabaseMfaFixture {
  let double: SupabaseDouble | undefined;
  let fixture: SupabaseMfaFixture | undefined;
  beforeAll(async () => {
    double = await startSupabaseDouble();
  });
  afterAll(async () => {
    await double?.close();
  });
  beforeEach(() => {
    const d = double!;
    d.reset();
    const provider = new SupabaseIdentityProvider({
      url: d.url,
      anonKey: d.anonKey,
      serviceRoleKey: d.serviceRoleKey,
      timeoutMs: 2_000,
      forwardClientIp: true,
      links: {
        verifyEmail: 'http://localhost:8000/auth/email-verified',
        resetPassword: 'http://localhost:8000/auth/reset-password',
      },
    });
    const state = new MemoryMfaStateStore();
    const box = new SecretBox(createKeyRing(randomBytes(32)));
    const mfa = createSupabaseMfa({
      supabase: {
        url: d.url,
        anonKey: d.anonKey,
        serviceRoleKey: d.serviceRoleKey,
        timeoutMs: 2_000,
        breaker: provider.breaker,
      },
      state,
      seal: (text, aad) => box.seal(text, aad),
      open: (sealed, aad) => box.open(sealed, aad),
      issuer: 'AuthFlow',
      // The double's clock, so tests can expire access tokens without waiting.
      clock: () => d.now().getTime(),
    });
    fixture = {
      double: d,
      provider,
      state,
      box,
      mfa,
      signIn: async (email, key) => {
        if (d.findUser(email) === undefined) d.createUser({ email, password });
        const { user, session } = await provider.signInKeepingSession({ email, password }, context);
        await mfa.vault.keep(key, session, KEPT_MS);
        return { userId: user.id, email: user.email, providerSessionKey: key };
      },
      codeFor: (uri, offsetMs = 0) => {
        const otp = URI.parse(uri);
        if (!(otp instanceof TOTP)) throw new Error('not a TOTP URI');
        return otp.generate({ timestamp: d.now().getTime() + offsetMs });
      },
    };
  });
  afterEach(async () => {
    expect(double?.internalErrors()).toEqual([]);
    await fixture?.state.close();
    await fixture?.provider.close();
  });
  return () => {
    if (fixture === undefined) throw new Error('supabase MFA fixture not set up yet');
    return fixture;
  };
}
