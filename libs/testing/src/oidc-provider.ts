// A real OpenID Provider (oidc-provider) on 127.0.0.1 for tests: sign-in, rotation, forgeries, outages.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  calculateJwkThumbprint,
  CompactSign,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  type CryptoKey,
  type JWK,
} from 'jose';
import Provider, {
  type Account,
  type Adapter,
  type AdapterPayload,
  type ClientMetadata,
  type Configuration,
  errors,
} from 'oidc-provider';

export interface TestOpAccount {
  readonly sub: string;
  readonly email?: string;
  readonly email_verified?: boolean;
  readonly name?: string;
  readonly groups?: readonly string[];
  /** RFC 8176 amr the OP asserts in the ID token for this account (e.g. ['pwd','mfa']). */
  readonly amr?: readonly string[];
}

export interface TestOpClient {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUris: readonly string[];
}

export interface TestOpenIdProvider {
  /** e.g. http://127.0.0.1:40123 — discovery at `${issuer}/.well-known/openid-configuration`. */
  readonly issuer: string;
  readonly port: number;
  /** Add or replace an account (found by `sub` at login; claims read at each token exchange). */
  setAccount(account: TestOpAccount): void;
  /** Add or replace a client by `clientId`, e.g. once the relying party knows its redirect URI. */
  setClient(client: TestOpClient): Promise<void>;
  /**
   * Drives the OP's sign-in and consent pages over HTTP with its own cookie jar, as a browser
   * would: starts at `authorizationUrl`, signs in as `sub`, allows consent (denies it with
   * `deny: true`) and returns the redirect to the relying party (`?code=&state=&iss=` or
   * `?error=access_denied&…`) without following it. Throws if the OP answers anything else (the
   * error names status and body).
   */
  login(authorizationUrl: string, sub: string, options?: { readonly deny?: boolean }): Promise<URL>;
  /** Signs with a new key from now on; the old one stays published in the JWKS. */
  rotateSigningKey(): Promise<void>;
  /**
   * The next successful token endpoint response carrying an ID token gets that ID token re-signed
   * after `edit` changed its claims: with the OP's current signing key (`key: 'op'`, the default)
   * or with a key the OP never published (`key: 'foreign'`, header `kid` `foreign-key`). A second
   * call replaces a pending one.
   */
  tamperNextIdToken(
    edit: (claims: Record<string, unknown>) => Record<string, unknown>,
    options?: { readonly key?: 'op' | 'foreign' },
  ): void;
  /** Stops listening (the provider is down; connections are refused). */
  stop(): Promise<void>;
  /** Listens again on the same port with the same keys, clients, accounts, sessions and grants. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export interface TestOpenIdProviderOptions {
  readonly clients: readonly TestOpClient[];
  readonly accounts?: readonly TestOpAccount[];
  /** Pin the port (default: a free port). */
  readonly port?: number;
}

interface SigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly jwk: JWK;
}

type IdTokenTamper = (idToken: string) => Promise<string>;

const host = '127.0.0.1';
const algorithm = 'RS256';
const foreignKid = 'foreign-key';

/**
 * Starts the OP. Interaction pages (the same HTML for browsers and for `login()`):
 * - sign-in at `/interaction/:uid`: `form[action$="/login"]` with `input[name="login"]` (the
 *   account's `sub`), `input[name="password"]` (anything) and `button[type="submit"]` "Sign in";
 *   an unknown login answers 401 with the form again and `[role="alert"]` "Unknown account".
 * - consent at `/interaction/:uid`: `form[action$="/consent"]` with
 *   `button[name="decision"][value="allow"]` "Allow" and
 *   `button[name="decision"][value="deny"]` "Deny".
 */
export async function startTestOpenIdProvider(
  options: TestOpenIdProviderOptions,
): Promise<TestOpenIdProvider> {
  const accounts = new Map((options.accounts ?? []).map((account) => [account.sub, account]));
  const clients = new Map(options.clients.map((client) => [client.clientId, client]));
  const keys: SigningKey[] = [await generateSigningKey()];
  const adapter = createMapAdapterFactory();
  const cookieKeys = [randomBytes(32).toString('base64url')];
  let foreignKey: SigningKey | undefined;
  let tamper: IdTokenTamper | undefined;
  let closed = false;

  let provider: Provider | undefined;
  let handleProviderRequest: ReturnType<Provider['callback']> | undefined;
  const server = createServer((request, response) => {
    if (provider === undefined || handleProviderRequest === undefined) {
      response.writeHead(503).end();
      return;
    }
    const uid = /^\/interaction\/([\w-]+)(?:\/(login|consent))?$/.exec(request.url ?? '');
    const handled =
      uid === null
        ? handleProviderRequest(request, response)
        : handleInteraction(provider, accounts, request, response, uid[1] ?? '', uid[2]);
    handled.catch((error: unknown) => sendError(response, error));
  });
  const listen = (port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve((server.address() as AddressInfo).port);
      });
    });
  const port = await listen(options.port ?? 0);
  const issuer = `http://${host}:${port}`;

  // oidc-provider reads keys and static clients once, so a rotation or a new client builds a new
  // Provider over the same adapter and cookie keys: sessions, grants and codes survive.
  const rebuild = async (): Promise<void> => {
    const next = new Provider(issuer, {
      ...baseConfiguration,
      adapter,
      clients: [...clients.values()].map(toClientMetadata),
      cookies: { keys: cookieKeys },
      jwks: { keys: keys.map((key) => key.jwk) },
      findAccount: (_ctx, sub) => findAccount(accounts, sub),
    });
    // Static clients are validated lazily; finding each now makes bad metadata fail here.
    for (const clientId of clients.keys()) await next.Client.find(clientId);
    next.use(async (ctx, nextMiddleware) => {
      await nextMiddleware();
      const pending = tamper;
      const body: unknown = ctx.body;
      if (pending === undefined || ctx.path !== '/token' || ctx.status !== 200) return;
      if (!isRecord(body) || typeof body.id_token !== 'string') return;
      tamper = undefined;
      ctx.body = { ...body, id_token: await pending(body.id_token) };
    });
    provider = next;
    handleProviderRequest = next.callback();
  };
  try {
    await rebuild();
  } catch (error) {
    await closeServer(server);
    throw error;
  }

  const stop = (): Promise<void> => closeServer(server);
  return {
    issuer,
    port,
    setAccount: (account) => accounts.set(account.sub, account),
    setClient: async (client) => {
      const previous = clients.get(client.clientId);
      clients.set(client.clientId, client);
      await rebuild().catch((error: unknown) => {
        if (previous === undefined) clients.delete(client.clientId);
        else clients.set(client.clientId, previous);
        throw error;
      });
    },
    login: (authorizationUrl, sub, loginOptions) => {
      if (!accounts.has(sub)) {
        return Promise.reject(new Error(`No account with sub "${sub}": add it with setAccount()`));
      }
      return driveLogin(issuer, authorizationUrl, sub, loginOptions?.deny === true);
    },
    rotateSigningKey: async () => {
      keys.unshift(await generateSigningKey());
      await rebuild();
    },
    tamperNextIdToken: (edit, tamperOptions) => {
      tamper = async (idToken) => {
        const key =
          tamperOptions?.key === 'foreign'
            ? (foreignKey ??= await generateSigningKey(foreignKid))
            : (keys[0] as SigningKey);
        return resign(idToken, edit, key);
      };
    },
    stop,
    restart: async () => {
      if (closed) throw new Error('The test OpenID Provider is closed');
      if (!server.listening) await listen(port);
    },
    close: async () => {
      closed = true;
      await stop();
    },
  };
}

const baseConfiguration: Configuration = {
  // `groups` rides along with `profile` so a client asking `openid email profile` gets it too.
  // The ID token only carries claims of granted scopes, so `amr` (from the login result) is listed
  // under `openid`; this object replaces oidc-provider's default one, hence its null entries again.
  claims: {
    acr: null,
    auth_time: null,
    iss: null,
    sid: null,
    openid: ['sub', 'amr'],
    email: ['email', 'email_verified'],
    profile: ['name', 'groups'],
    groups: ['groups'],
  },
  // Scope claims go into the ID token itself, not only into the userinfo response.
  conformIdTokenClaims: false,
  // Dev interactions cannot assert `amr` (ours below can); off, they also stop warning.
  features: { devInteractions: { enabled: false } },
  // PKCE for every client, confidential ones included; oidc-provider 9 only knows S256.
  pkce: { required: () => true },
  // Explicit values so oidc-provider does not print a notice for each default it falls back to.
  clientBasedCORS: () => false,
  ttl: {
    AccessToken: 3600,
    AuthorizationCode: 60,
    Grant: 3600,
    IdToken: 3600,
    Interaction: 600,
    RefreshToken: 3600,
    Session: 3600,
  },
  renderError: (ctx, out) => {
    ctx.type = 'text';
    ctx.body = `${out.error}: ${out.error_description ?? ''}`;
  },
};

function toClientMetadata(client: TestOpClient): ClientMetadata {
  return {
    client_id: client.clientId,
    client_secret: client.clientSecret,
    redirect_uris: [...client.redirectUris],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    // oidc-provider accepts client_secret_post as well for a client registered with _basic.
    token_endpoint_auth_method: 'client_secret_basic',
  };
}

function findAccount(
  accounts: ReadonlyMap<string, TestOpAccount>,
  sub: string,
): Account | undefined {
  const account = accounts.get(sub);
  if (account === undefined) return undefined;
  return {
    accountId: sub,
    claims: () => {
      const { amr: _amr, groups, ...claims } = account;
      return groups === undefined ? claims : { ...claims, groups: [...groups] };
    },
  };
}

async function handleInteraction(
  provider: Provider,
  accounts: ReadonlyMap<string, TestOpAccount>,
  request: IncomingMessage,
  response: ServerResponse,
  uid: string,
  step: string | undefined,
): Promise<void> {
  const interaction = await provider.interactionDetails(request, response);
  if (interaction.uid !== uid) throw new errors.InvalidRequest('interaction mismatch');
  const route = `${request.method ?? ''} ${step ?? 'page'} for ${interaction.prompt.name}`;
  switch (route) {
    case 'GET page for login':
      sendPage(response, 200, loginForm(uid));
      return;
    case 'GET page for consent':
      sendPage(response, 200, consentForm(uid));
      return;
    case 'POST login for login':
      return submitLogin(provider, accounts, request, response, uid);
    case 'POST consent for consent':
      return submitConsent(provider, interaction, request, response);
    default:
      throw new errors.InvalidRequest(`no interaction route ${route}`);
  }
}

async function submitLogin(
  provider: Provider,
  accounts: ReadonlyMap<string, TestOpAccount>,
  request: IncomingMessage,
  response: ServerResponse,
  uid: string,
): Promise<void> {
  const account = accounts.get((await readForm(request)).get('login') ?? '');
  if (account === undefined) {
    sendPage(response, 401, `<p role="alert">Unknown account</p>${loginForm(uid)}`);
    return;
  }
  // The amr given here is what oidc-provider puts in the ID token (claims() cannot set it).
  const amr = account.amr === undefined ? {} : { amr: [...account.amr] };
  const result = { login: { accountId: account.sub, ...amr } };
  await provider.interactionFinished(request, response, result, { mergeWithLastSubmission: false });
}

async function submitConsent(
  provider: Provider,
  interaction: Interaction,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  if ((await readForm(request)).get('decision') !== 'allow') {
    const denied = { error: 'access_denied', error_description: 'End-User denied the request' };
    await provider.interactionFinished(request, response, denied, {
      mergeWithLastSubmission: false,
    });
    return;
  }
  const result = { consent: { grantId: await saveGrant(provider, interaction) } };
  await provider.interactionFinished(request, response, result, { mergeWithLastSubmission: true });
}

type Interaction = Awaited<ReturnType<Provider['interactionDetails']>>;

async function saveGrant(provider: Provider, interaction: Interaction): Promise<string> {
  const { grantId, params, prompt, session } = interaction;
  const grant =
    grantId === undefined
      ? new provider.Grant({ accountId: session?.accountId, clientId: String(params.client_id) })
      : await provider.Grant.find(grantId);
  if (grant === undefined) throw new Error(`grant ${grantId ?? ''} not found`);
  const { missingOIDCScope, missingOIDCClaims } = prompt.details;
  if (isStrings(missingOIDCScope)) grant.addOIDCScope(missingOIDCScope.join(' '));
  if (isStrings(missingOIDCClaims)) grant.addOIDCClaims(missingOIDCClaims);
  return grant.save();
}

// The uid comes from the route pattern ([\w-]+), so these pages need no escaping.
function loginForm(uid: string): string {
  return `<form method="post" action="/interaction/${uid}/login">
<label>Login <input name="login" autocomplete="username" required autofocus></label>
<label>Password <input type="password" name="password" autocomplete="current-password"></label>
<button type="submit">Sign in</button>
</form>`;
}

function consentForm(uid: string): string {
  return `<form method="post" action="/interaction/${uid}/consent">
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>`;
}

function sendPage(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
  }).end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test OP</title>
<link rel="icon" href="data:,"></head>
<body>${body}</body></html>`);
}

function sendError(response: ServerResponse, error: unknown): void {
  if (response.headersSent) {
    response.destroy(error instanceof Error ? error : undefined);
    return;
  }
  const status = error instanceof errors.OIDCProviderError ? error.statusCode : 500;
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(message);
}

async function readForm(request: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

async function driveLogin(issuer: string, start: string, sub: string, deny: boolean): Promise<URL> {
  const jar = new CookieJar();
  const { origin } = new URL(issuer);
  let url = new URL(start);
  let form: URLSearchParams | undefined;
  // authorize → sign-in page → POST → /auth/:uid → consent page → POST → /auth/:uid → redirect_uri
  for (let step = 0; step < 12; step += 1) {
    if (url.origin !== origin) return url;
    const cookie = jar.header(url);
    const response = await fetch(url, {
      method: form === undefined ? 'GET' : 'POST',
      body: form,
      headers: cookie === '' ? {} : { cookie },
      redirect: 'manual',
    });
    jar.store(response.headers.getSetCookie());
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location !== null) {
      await response.body?.cancel();
      url = new URL(location, url);
      form = undefined;
      continue;
    }
    const body = await response.text();
    const action = response.ok ? /<form method="post" action="([^"]+)"/.exec(body)?.[1] : undefined;
    if (action === undefined) {
      throw new Error(`login: ${response.status} from ${url.pathname}: ${body.slice(0, 500)}`);
    }
    url = new URL(action, url);
    form = action.endsWith('/login')
      ? new URLSearchParams({ login: sub, password: 'any' })
      : new URLSearchParams({ decision: deny ? 'deny' : 'allow' });
  }
  throw new Error(`login: no redirect away from the OP after 12 steps (last at ${url.pathname})`);
}

/** Just enough of RFC 6265 for one host: name, value, path and expiry. */
class CookieJar {
  readonly #cookies = new Map<string, { name: string; value: string; path: string }>();

  store(setCookies: readonly string[]): void {
    for (const line of setCookies) {
      const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
      const name = pair.slice(0, pair.indexOf('='));
      const attribute = (key: string) =>
        attributes.find((item) => item.toLowerCase().startsWith(`${key}=`))?.slice(key.length + 1);
      const path = attribute('path') ?? '/';
      const expires = attribute('expires');
      const maxAge = attribute('max-age');
      const expired =
        (expires !== undefined && Date.parse(expires) <= Date.now()) ||
        (maxAge !== undefined && Number(maxAge) <= 0);
      if (expired) this.#cookies.delete(`${name};${path}`);
      else this.#cookies.set(`${name};${path}`, { name, value: pair.slice(name.length + 1), path });
    }
  }

  header(url: URL): string {
    return [...this.#cookies.values()]
      .filter(
        ({ path }) =>
          url.pathname === path || url.pathname.startsWith(path.endsWith('/') ? path : `${path}/`),
      )
      .map(({ name, value }) => `${name}=${value}`)
      .join('; ');
  }
}

async function generateSigningKey(kid?: string): Promise<SigningKey> {
  const { privateKey } = await generateKeyPair(algorithm, { extractable: true });
  const jwk = await exportJWK(privateKey);
  const id = kid ?? (await calculateJwkThumbprint(jwk));
  return { kid: id, privateKey, jwk: { ...jwk, kid: id, alg: algorithm, use: 'sig' } };
}

async function resign(
  idToken: string,
  edit: (claims: Record<string, unknown>) => Record<string, unknown>,
  key: SigningKey,
): Promise<string> {
  const claims = edit({ ...decodeJwt(idToken) });
  const header = { ...decodeProtectedHeader(idToken), alg: algorithm, kid: key.kid };
  return new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
    .setProtectedHeader(header)
    .sign(key.privateKey);
}

/** oidc-provider's storage, per OP and kept across rebuilds; expired entries read as absent. */
function createMapAdapterFactory(): (model: string) => Adapter {
  const store = new Map<string, { payload: AdapterPayload; expiresAt: number }>();
  return (model) => {
    const key = (id: string) => `${model}:${id}`;
    const live = (entryKey: string): AdapterPayload | undefined => {
      const entry = store.get(entryKey);
      if (entry === undefined || entry.expiresAt > Date.now()) return entry?.payload;
      store.delete(entryKey);
      return undefined;
    };
    const findWhere = (matches: (payload: AdapterPayload) => boolean) => {
      const found = [...store.keys()]
        .filter((entryKey) => entryKey.startsWith(`${model}:`))
        .map(live)
        .find((payload) => payload !== undefined && matches(payload));
      return Promise.resolve(found);
    };
    return {
      upsert: (id, payload, expiresIn) => {
        const expiresAt = expiresIn === undefined ? Infinity : Date.now() + expiresIn * 1000;
        store.set(key(id), { payload, expiresAt });
        return Promise.resolve();
      },
      find: (id) => Promise.resolve(live(key(id))),
      findByUid: (uid) => findWhere((payload) => payload.uid === uid),
      findByUserCode: (userCode) => findWhere((payload) => payload.userCode === userCode),
      consume: (id) => {
        const payload = live(key(id));
        if (payload !== undefined) payload.consumed = Math.floor(Date.now() / 1000);
        return Promise.resolve();
      },
      destroy: (id) => {
        store.delete(key(id));
        return Promise.resolve();
      },
      revokeByGrantId: (grantId) => {
        for (const [entryKey, { payload }] of store) {
          if (payload.grantId === grantId) store.delete(entryKey);
        }
        return Promise.resolve();
      },
    };
  };
}

async function closeServer(server: ReturnType<typeof createServer>): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function isStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}
