// An OpenID Provider through `openid-client` (a certified relying party): discovery, the
// authorization code flow with PKCE (S256), `state` and `nonce`, and an ID token checked for
// issuer, audience, expiry and signature against the provider's JWKS (refetched on an unknown
// key, so the provider can rotate).
import * as client from 'openid-client';
import {
  type AuthorizationStart,
  type ExternalProfile,
  type ExternalProvider,
  FederationError,
  type FlowSecrets,
} from '../external-provider.js';

export interface OidcClaimNames {
  /** Claim holding the address (default `email`). */
  readonly email: string;
  /** Claim holding the display name (default `name`). */
  readonly name: string;
  /** Claim holding the group names (default `groups`). */
  readonly groups: string;
}

export interface OidcProviderOptions {
  readonly id: string;
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly scopes: readonly string[];
  readonly claims: OidcClaimNames;
  /** Deadline of every call to the provider (discovery, token, JWKS). */
  readonly timeoutMs: number;
  /** Extra authorization parameters (`prompt`, `hd`, ...), never the protocol's own. */
  readonly authorizationParams?: Readonly<Record<string, string>>;
  /** Allow an `http:` issuer (development and tests only; the config refuses it otherwise). */
  readonly allowInsecure?: boolean;
  /** Default `client_secret_basic`, OpenID Connect's default. */
  readonly tokenAuthMethod?: 'client_secret_basic' | 'client_secret_post';
}

/** Parameters the flow sets itself; configuration may not override them. */
const RESERVED = new Set([
  'client_id',
  'redirect_uri',
  'response_type',
  'scope',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
]);

export class OidcProvider implements ExternalProvider {
  readonly kind = 'oidc' as const;
  readonly id: string;
  readonly #options: OidcProviderOptions;
  /** The discovered configuration; dropped when discovery fails so the next call retries. */
  #configuration: Promise<client.Configuration> | undefined;

  constructor(options: OidcProviderOptions) {
    for (const name of Object.keys(options.authorizationParams ?? {}))
      if (RESERVED.has(name)) throw new Error(`authorization parameter ${name} is set by the flow`);
    this.id = options.id;
    this.#options = options;
  }

  async start(input: { redirectUri: string; state: string }): Promise<AuthorizationStart> {
    const configuration = await this.#discover();
    // The URL is built locally from cached metadata: ask the provider first, so a provider that
    // is down is known here (its button says so) rather than after the browser was sent away.
    await this.#probe(configuration);
    const codeVerifier = client.randomPKCECodeVerifier();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(configuration, {
      ...this.#options.authorizationParams,
      redirect_uri: input.redirectUri,
      scope: this.#options.scopes.join(' '),
      state: input.state,
      nonce,
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    });
    return { url: url.href, secrets: { state: input.state, codeVerifier, nonce } };
  }

  async complete(input: {
    callbackUrl: URL;
    redirectUri: string;
    secrets: FlowSecrets;
  }): Promise<ExternalProfile> {
    const configuration = await this.#discover();
    // openid-client derives redirect_uri from the current URL: give it the registered one with
    // the callback's query, whatever Host the request came in on.
    const current = new URL(input.redirectUri);
    current.search = input.callbackUrl.search;
    let claims: client.IDToken | undefined;
    try {
      const tokens = await client.authorizationCodeGrant(configuration, current, {
        pkceCodeVerifier: input.secrets.codeVerifier,
        expectedState: input.secrets.state,
        ...(input.secrets.nonce === undefined ? {} : { expectedNonce: input.secrets.nonce }),
        idTokenExpected: true,
      });
      claims = tokens.claims();
    } catch (error) {
      throw federationErrorOf(error);
    }
    if (claims === undefined) throw new FederationError('invalid_callback', 'no ID token');
    return this.#profileOf(claims);
  }

  /** Resolves when discovery answers (readiness of the login button). */
  async ping(): Promise<void> {
    await this.#discover();
  }

  #profileOf(claims: client.IDToken): ExternalProfile {
    const names = this.#options.claims;
    const email = stringClaim(claims[names.email]);
    const groups = claims[names.groups];
    const amr = claims.amr;
    return {
      provider: this.id,
      subject: claims.sub,
      email,
      // Only an explicit `true` (some providers send the string "true").
      emailVerified: claims.email_verified === true || claims.email_verified === 'true',
      name: stringClaim(claims[names.name]),
      groups: Array.isArray(groups)
        ? groups.filter((group): group is string => typeof group === 'string')
        : typeof groups === 'string'
          ? [groups]
          : [],
      amr: Array.isArray(amr)
        ? amr.filter((method): method is string => typeof method === 'string')
        : [],
    };
  }

  async #probe(configuration: client.Configuration): Promise<void> {
    const { issuer } = configuration.serverMetadata();
    const url = new URL('.well-known/openid-configuration', `${issuer.replace(/\/$/u, '')}/`);
    try {
      const response = await fetch(url, {
        signal: AbortSignal.timeout(this.#options.timeoutMs),
        redirect: 'manual',
      });
      await response.body?.cancel();
      if (response.status >= 500)
        throw new FederationError('provider_unavailable', `probe: ${response.status}`);
    } catch (error) {
      // Whatever went wrong, the provider cannot serve a sign-in now.
      throw federationErrorOf(error, 'discovery');
    }
  }

  #discover(): Promise<client.Configuration> {
    if (this.#configuration !== undefined) return this.#configuration;
    const options = this.#options;
    const pending = client
      .discovery(
        new URL(options.issuer),
        options.clientId,
        undefined,
        options.tokenAuthMethod === 'client_secret_post'
          ? client.ClientSecretPost(options.clientSecret)
          : client.ClientSecretBasic(options.clientSecret),
        {
          timeout: Math.max(1, Math.ceil(options.timeoutMs / 1000)),
          // The ID token's signature is checked against the provider's JWKS: openid-client
          // skips it by default for tokens straight from the token endpoint (TLS vouches for
          // them); a relying party in front of every backend checks it anyway.
          execute: [
            client.enableNonRepudiationChecks,
            // Loopback issuers only (the providers file refuses http elsewhere).
            // eslint-disable-next-line @typescript-eslint/no-deprecated
            ...(options.allowInsecure === true ? [client.allowInsecureRequests] : []),
          ],
        },
      )
      .catch((error: unknown) => {
        this.#configuration = undefined;
        throw federationErrorOf(error, 'discovery');
      });
    this.#configuration = pending;
    return pending;
  }
}

function stringClaim(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * What went wrong, in the flow's terms: the provider unreachable or failing (5xx, network,
 * timeout), the provider saying no (an `error` on the callback), or a callback that does not
 * check out (state, code, ID token).
 */
export function federationErrorOf(error: unknown, step = 'callback'): FederationError {
  if (error instanceof FederationError) return error;
  if (error instanceof client.AuthorizationResponseError)
    return new FederationError('provider_refused', `${step}: ${error.error}`, { cause: error });
  if (error instanceof client.ResponseBodyError)
    return new FederationError(
      error.status >= 500 ? 'provider_unavailable' : 'invalid_callback',
      `${step}: token endpoint answered ${error.status} ${error.error}`,
      { cause: error },
    );
  if (isUnreachable(error))
    return new FederationError('provider_unavailable', `${step}: ${describe(error)}`, {
      cause: error,
    });
  if (step === 'discovery')
    return new FederationError('provider_unavailable', `discovery: ${describe(error)}`, {
      cause: error,
    });
  return new FederationError('invalid_callback', `${step}: ${describe(error)}`, { cause: error });
}

function isUnreachable(error: unknown): boolean {
  if (error instanceof TypeError) return true; // fetch: connection refused, reset, DNS
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return true;
  if (error instanceof client.ClientError) {
    const cause = error.cause;
    if (cause instanceof Response) return cause.status >= 500;
    if (cause !== undefined && cause !== error) return isUnreachable(cause);
  }
  return false;
}

/** The error's code and message, never a token: openid-client's messages name checks, not values. */
function describe(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' ? `${code} ${message}` : message;
}
