// Entry point of the Supabase Auth (GoTrue) contract double: an in-test HTTP server plus a test-only side channel.
/*
 * THIS IS A TEST DOUBLE, NOT A GOTRUE IMPLEMENTATION.
 *
 * It speaks enough of the Supabase Auth wire protocol (routes under `/auth/v1`, the platform
 * gateway's `apikey` check, GoTrue's error envelopes, ES256 access tokens) that an adapter tested
 * against it also works against real Supabase. The specification is
 * /work/shared/reference/supabase-auth-contract.md; checked against @supabase/supabase-js 2.119.1
 * (auth-js 2.119.1) and GoTrue v2.196.0 as described there. Re-probe when either is upgraded.
 *
 * Out of scope: CAPTCHA, auth hooks, phone and WebAuthn factors, SSO, implicit OAuth (OAuth is
 * PKCE only, provider simulated), phone, anonymous users, admin user creation, IP rate limiters (use fault injection), refresh-token reuse
 * interval. MFA: TOTP only. Bans (`ban_duration`) are modelled.
 *
 * Everything on the returned object except `url`, `authUrl`, `jwksUrl`, the keys and `close()`
 * is a test-only side channel that real Supabase does not have. See README.md in this folder.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { closeServer, listenOnLoopback } from '../support/loopback-server.js';
import { createDoubleCore } from './double-core.js';
import { createFaultInjector } from './faults.js';
import { createRequestRecorder } from './request-recorder.js';
import { serveDouble } from './server.js';
import type { SettingsPatch } from './settings.js';
import { createSideChannel, type DoubleSideChannel } from './side-channel.js';
import { createTokenSigner } from './token-signer.js';

export type { EmailFilter, EmailType, SentEmail } from './mailbox.js';
export type { Fault, FaultMatch, FaultSpec } from './faults.js';
export type { OAuthRefusal, OAuthSideChannel, OAuthSignIn } from './oauth.js';
export type { RecordedRequest, RequestFilter } from './request-recorder.js';
export type { DoubleSettings, PasswordPolicy, SettingsPatch } from './settings.js';
export { PASSWORD_CHARACTER_SETS } from './settings.js';
export type { DoubleSideChannel, SeedTotpFactor, SeedUser } from './side-channel.js';
export { totpCode } from './totp.js';
export type { WireFactor, WireIdentity, WireUser } from './user-view.js';

export interface SupabaseDoubleOptions {
  /** Start-up settings; `reset()` returns to them. */
  readonly settings?: SettingsPatch;
  readonly anonKey?: string;
  readonly serviceRoleKey?: string;
}

export interface SupabaseDouble extends DoubleSideChannel {
  /** Project URL for `createClient`, e.g. `http://127.0.0.1:41234`; routes live under `/auth/v1`. */
  readonly url: string;
  /** `${url}/auth/v1`, also the `iss` of access tokens. */
  readonly authUrl: string;
  readonly jwksUrl: string;
  /** Publishable key (`sb_publishable_…`): a valid `apikey`, never an admin bearer. */
  readonly anonKey: string;
  /** Secret key (`sb_secret_…`): a valid `apikey` and the admin bearer. */
  readonly serviceRoleKey: string;
  close(): Promise<void>;
}

export async function startSupabaseDouble(
  options: SupabaseDoubleOptions = {},
): Promise<SupabaseDouble> {
  const keys = {
    anonKey: options.anonKey ?? `sb_publishable_${randomBytes(16).toString('base64url')}`,
    serviceRoleKey: options.serviceRoleKey ?? `sb_secret_${randomBytes(16).toString('base64url')}`,
  };
  if (keys.anonKey === '' || keys.anonKey === keys.serviceRoleKey) {
    throw new Error('supabase double: anonKey and serviceRoleKey must be distinct, non-empty');
  }
  const signer = await createTokenSigner();
  const server = createServer();
  // The issuer contains the port, so the core is built once the server listens.
  const url = await listenOnLoopback(server);
  const authUrl = `${url}/auth/v1`;
  const core = createDoubleCore({
    issuer: authUrl,
    keys,
    signer,
    ...(options.settings === undefined ? {} : { settings: options.settings }),
  });
  const faults = createFaultInjector();
  const recorder = createRequestRecorder();
  const internalErrors: unknown[] = [];
  serveDouble(server, {
    core,
    faults,
    recorder,
    onInternalError: (error) => internalErrors.push(error),
  });
  return {
    url,
    authUrl,
    jwksUrl: `${authUrl}/.well-known/jwks.json`,
    anonKey: keys.anonKey,
    serviceRoleKey: keys.serviceRoleKey,
    close: () => closeServer(server),
    ...createSideChannel({ core, faults, recorder, internalErrors }),
  };
}
