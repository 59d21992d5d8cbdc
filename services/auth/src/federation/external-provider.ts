// The ExternalProvider port: one identity provider a user can sign in with instead of a password
// (an OpenID Provider, GitHub, or Supabase's own OAuth), seen as "start a redirect, finish it".

import type { IdentityUser } from '../identity/identity-provider.js';
import type { ProviderSession } from '../mfa/supabase/provider-session.js';

/** What a provider said about the person who came back from it. */
export interface ExternalProfile {
  /** The provider's id in the providers file (`google`, `github`, ...). */
  readonly provider: string;
  /** Stable identifier of the person at that provider (OIDC `sub`, GitHub's numeric id). */
  readonly subject: string;
  readonly email: string | undefined;
  /** Only `true` when the provider asserted the address is verified. */
  readonly emailVerified: boolean;
  readonly name: string | undefined;
  /** Group names from the configured claim (mapped to roles by the flows), possibly empty. */
  readonly groups: readonly string[];
  /** RFC 8176 methods the provider asserted (`amr`), possibly empty. */
  readonly amr: readonly string[];
  /**
   * Set when the identity provider itself owns the account (Supabase mode: Supabase links
   * identities and the user is Supabase's): the flows use it as is, with no linking of their own.
   */
  readonly account?: IdentityUser;
  /**
   * Supabase mode: the user's own Supabase session from the exchange, kept (sealed) so Supabase's
   * MFA API can check their authenticator app. Never logged, never sent to a browser.
   */
  readonly providerSession?: ProviderSession;
}

/** What the callback needs again: kept server-side, keyed by `state`, used once. */
export interface FlowSecrets {
  /** Random, sent as OAuth `state` (or in the redirect URI where the provider keeps its own). */
  readonly state: string;
  /** PKCE verifier (S256). */
  readonly codeVerifier: string;
  /** OIDC `nonce`, bound into the ID token. */
  readonly nonce?: string;
}

export interface AuthorizationStart {
  /** Where to send the browser. */
  readonly url: string;
  readonly secrets: FlowSecrets;
}

export interface ExternalProvider {
  /** The id in the providers file. */
  readonly id: string;
  readonly kind: 'oidc' | 'github' | 'supabase';
  /** The authorization URL for a new flow (PKCE S256, `state`, `nonce` where it applies). */
  start(input: {
    readonly redirectUri: string;
    readonly state: string;
  }): Promise<AuthorizationStart>;
  /**
   * Exchanges the code of `callbackUrl` (the full URL the browser came back on) and validates
   * what came with it. Refusals are `FederationError`s.
   */
  complete(input: {
    readonly callbackUrl: URL;
    readonly redirectUri: string;
    readonly secrets: FlowSecrets;
  }): Promise<ExternalProfile>;
}

export type FederationErrorCode =
  /** The provider could not be reached or answered 5xx (the breaker counts these). */
  | 'provider_unavailable'
  /** The provider said no: denied consent, or an OAuth `error` on the callback. */
  | 'provider_refused'
  /** state/code/ID token did not check out (wrong state, replayed code, bad signature...). */
  | 'invalid_callback'
  /** The account's email domain is not allowed for this provider. */
  | 'email_not_allowed'
  /** The provider gave no (verified) email address where one is required. */
  | 'email_missing'
  | 'unknown_provider';

export class FederationError extends Error {
  override readonly name = 'FederationError';
  readonly code: FederationErrorCode;
  /** For logs only, never shown: what exactly failed (no tokens, no codes). */
  readonly detail: string | undefined;

  constructor(code: FederationErrorCode, detail?: string, options?: { cause?: unknown }) {
    super(detail === undefined ? code : `${code}: ${detail}`, options);
    this.code = code;
    this.detail = detail;
  }
}

export function isFederationError(error: unknown): error is FederationError {
  return error instanceof FederationError;
}
