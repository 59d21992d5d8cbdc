// GitHub as an ExternalProvider: the OAuth 2.0 web application flow with PKCE, then who signed in
// from the REST API (GitHub speaks OAuth 2.0 only, not OpenID Connect: there is no ID token).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import {
  FederationError,
  type AuthorizationStart,
  type ExternalProfile,
  type ExternalProvider,
  type FlowSecrets,
} from '../external-provider.js';

export interface GitHubProviderOptions {
  /** The id in the providers file. */
  readonly id: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Default `read:user` and `user:email`: the profile and the addresses with their verification. */
  readonly scopes?: readonly string[];
  readonly authorizeUrl?: string;
  readonly tokenUrl?: string;
  readonly apiUrl?: string;
  /** Per request to GitHub (token exchange, each API call), body included. Default 5000. */
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

/** Pinned so a new REST API version cannot change the answers under us. */
const API_VERSION = '2022-11-28';
/** GitHub refuses API requests without one and asks for the application's name. */
const USER_AGENT = 'AuthFlow';

const tokenGrantSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string().refine((type) => type.toLowerCase() === 'bearer'),
});
/** GitHub answers a refused exchange with HTTP 200 and this body. */
const tokenRefusalSchema = z.object({ error: z.string() });
const userSchema = z.object({
  id: z.number().int().nonnegative(),
  login: z.string().min(1),
  name: z.string().nullish(),
});
const emailsSchema = z.array(
  z.object({ email: z.string().min(1), primary: z.boolean(), verified: z.boolean() }),
);

/** What a refused token exchange means, for logs (the OAuth error code is GitHub's own word). */
const TOKEN_REFUSALS: Readonly<Record<string, string>> = {
  bad_verification_code: 'code wrong, expired, already used, or PKCE verifier not matching',
  incorrect_client_credentials:
    'GitHub rejected the client id or secret: check the provider configuration',
  redirect_uri_mismatch:
    'redirect URI not registered for the OAuth app or not the one of the authorization: check the provider configuration',
};

export class GitHubProvider implements ExternalProvider {
  readonly kind = 'github';
  readonly id: string;
  readonly #options: GitHubProviderOptions;
  readonly #fetch: typeof fetch;

  constructor(options: GitHubProviderOptions) {
    if (options.clientId === '' || options.clientSecret === '') {
      throw new Error(`github provider ${options.id}: clientId and clientSecret are required`);
    }
    this.id = options.id;
    this.#options = options;
    this.#fetch = options.fetch ?? fetch;
  }

  start(input: {
    readonly redirectUri: string;
    readonly state: string;
  }): Promise<AuthorizationStart> {
    const codeVerifier = randomBytes(32).toString('base64url');
    const url = new URL(this.#options.authorizeUrl ?? 'https://github.com/login/oauth/authorize');
    url.searchParams.set('client_id', this.#options.clientId);
    url.searchParams.set('redirect_uri', input.redirectUri);
    url.searchParams.set('scope', (this.#options.scopes ?? ['read:user', 'user:email']).join(' '));
    url.searchParams.set('state', input.state);
    url.searchParams.set('code_challenge', s256(codeVerifier));
    url.searchParams.set('code_challenge_method', 'S256');
    return Promise.resolve({ url: url.href, secrets: { state: input.state, codeVerifier } });
  }

  async complete(input: {
    readonly callbackUrl: URL;
    readonly redirectUri: string;
    readonly secrets: FlowSecrets;
  }): Promise<ExternalProfile> {
    const code = readCallback(input.callbackUrl.searchParams, input.secrets.state);
    const token = await this.#exchangeCode(code, input.redirectUri, input.secrets.codeVerifier);
    const [user, emails] = await Promise.all([
      this.#getApi('/user', userSchema, token),
      this.#getApi('/user/emails?per_page=100', emailsSchema, token),
    ]);
    // Only the primary address counts: it is the one GitHub mails; verified or not, we say which.
    const primary = emails.find((entry) => entry.primary);
    return {
      provider: this.id,
      // The numeric id never changes; the login can be renamed and then taken by someone else.
      subject: String(user.id),
      email: primary?.email,
      emailVerified: primary?.verified === true,
      name:
        user.name !== null && user.name !== undefined && user.name.trim() !== ''
          ? user.name
          : user.login,
      groups: [],
      // GitHub asserts no authentication methods.
      amr: [],
    };
  }

  async #exchangeCode(code: string, redirectUri: string, codeVerifier: string): Promise<string> {
    const { status, body } = await this.#send(
      'token endpoint',
      this.#options.tokenUrl ?? 'https://github.com/login/oauth/access_token',
      {
        method: 'POST',
        headers: { Accept: 'application/json', 'User-Agent': USER_AGENT },
        body: new URLSearchParams({
          client_id: this.#options.clientId,
          client_secret: this.#options.clientSecret,
          code,
          redirect_uri: redirectUri,
          code_verifier: codeVerifier,
        }),
      },
    );
    if (status >= 500) throw unavailable(`token endpoint answered ${status}`);
    const refusal = tokenRefusalSchema.safeParse(body);
    if (refusal.success) throw refusedExchange(refusal.data.error);
    const grant = tokenGrantSchema.safeParse(body);
    // Never the body in the detail: a malformed answer may still hold a token.
    if (status !== 200 || !grant.success)
      throw unavailable(`token endpoint answered ${status} without a bearer token`);
    return grant.data.access_token;
  }

  async #getApi<T>(path: string, schema: z.ZodType<T>, token: string): Promise<T> {
    const base = (this.#options.apiUrl ?? 'https://api.github.com').replace(/\/+$/u, '');
    const what = `GET ${path.split('?')[0] ?? path}`;
    const { status, body } = await this.#send(what, `${base}${path}`, {
      headers: {
        Accept: 'application/vnd.github+json',
        Authorization: `Bearer ${token}`,
        'User-Agent': USER_AGENT,
        'X-GitHub-Api-Version': API_VERSION,
      },
    });
    if (status === 401)
      throw new FederationError('invalid_callback', `${what}: access token rejected (401)`);
    // 404 on /user/emails: the token lacks the user:email scope, a configuration mistake that
    // must not count as GitHub being down (its breaker would hide the button from everyone).
    if (status === 404)
      throw new FederationError(
        'invalid_callback',
        `${what} answered 404: is the user:email scope among the provider's scopes?`,
      );
    // 403 and 429 are GitHub's rate limits: GitHub cannot serve this sign-in now.
    if (status !== 200) throw unavailable(`${what} answered ${status}`);
    const parsed = schema.safeParse(body);
    if (!parsed.success) throw unavailable(`${what}: answer not in the expected shape`);
    return parsed.data;
  }

  /** One request with the timeout over headers and body; a failure to get an answer is unavailability. */
  async #send(
    what: string,
    url: string,
    init: RequestInit,
  ): Promise<{ status: number; body: unknown }> {
    const timeoutMs = this.#options.timeoutMs ?? 5000;
    try {
      const response = await this.#fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
      return { status: response.status, body: parseJson(await response.text()) };
    } catch (error) {
      throw unavailable(`${what}: no answer (connection failed or over ${timeoutMs} ms)`, error);
    }
  }
}

/** The code of a callback that checks out, or the FederationError saying why it does not. */
function readCallback(params: URLSearchParams, expectedState: string): string {
  const states = params.getAll('state');
  // Checked before anything else is read: nothing in a callback with a foreign state is GitHub's.
  if (states.length !== 1 || !isSameSecret(states[0] ?? '', expectedState)) {
    throw new FederationError('invalid_callback', 'state missing or not the one of this flow');
  }
  const error = params.get('error');
  if (error !== null)
    throw new FederationError('provider_refused', `GitHub answered ${safeCode(error)}`);
  const codes = params.getAll('code');
  if (codes.length !== 1 || codes[0] === '') {
    throw new FederationError('invalid_callback', 'callback without exactly one code');
  }
  return codes[0] ?? '';
}

function refusedExchange(error: string): FederationError {
  // Documented by GitHub: the account's primary address is not verified, so no token is issued.
  if (error === 'unverified_user_email') {
    return new FederationError('email_missing', 'token exchange refused: unverified_user_email');
  }
  const meaning = TOKEN_REFUSALS[error];
  return new FederationError(
    'invalid_callback',
    `token exchange refused: ${safeCode(error)}${meaning === undefined ? '' : ` (${meaning})`}`,
  );
}

function unavailable(detail: string, cause?: unknown): FederationError {
  return new FederationError(
    'provider_unavailable',
    detail,
    cause === undefined ? undefined : { cause },
  );
}

/** Compares in constant time; the digests make the lengths equal, as timingSafeEqual requires. */
function isSameSecret(presented: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(expected)) && expected !== '';
}

/** An OAuth error code as it may go into a log line: the callback URL is anyone's to write. */
function safeCode(code: string): string {
  return /^[a-z0-9_]{1,64}$/u.test(code) ? code : 'an unrecognised error';
}

function s256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
