// GitHub wire double: the OAuth app web application flow and the two REST API calls a sign-in makes.
/*
 * THIS IS A TEST DOUBLE, NOT GITHUB. An in-test HTTP server that speaks GitHub's documented
 * protocol ("Authorizing OAuth apps", the two troubleshooting pages, REST `GET /user` and
 * `GET /user/emails`), so an adapter tested against it also works against github.com. Where the
 * docs are silent the double guesses; README.md in this folder lists the guesses.
 *
 * Everything on the returned object except the URLs and `close()` is a test-only side channel.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { html } from '@authflow/html';
import { closeServer, listenOnLoopback } from '../support/loopback-server.js';

export interface GitHubDoubleClient {
  readonly clientId: string;
  readonly clientSecret: string;
  /** Callback URLs of the OAuth app; the first is used when `redirect_uri` is left out. */
  readonly redirectUris: readonly string[];
}

export interface GitHubDoubleEmail {
  readonly email: string;
  readonly primary: boolean;
  readonly verified: boolean;
  readonly visibility: 'public' | 'private' | null;
}

export interface GitHubDoubleUser {
  readonly id: number;
  readonly login: string;
  readonly name: string | null;
  readonly emails: readonly GitHubDoubleEmail[];
}

export interface GitHubDouble {
  /** Base URL, e.g. `http://127.0.0.1:41234`: `/login/oauth/...` for OAuth, `/api` for the REST API. */
  readonly url: string;
  readonly authorizeUrl: string;
  readonly tokenUrl: string;
  readonly apiUrl: string;
  /** Who "signs in" at the next authorization (the code keeps the user of its authorization). */
  setUser(user: GitHubDoubleUser): void;
  /** The next authorization decision is a denial (`error=access_denied`), whatever was clicked. */
  refuseNext(): void;
  /** Every API request answers `status` until `failApi(null)`. */
  failApi(status: number | null): void;
  /** Moves the double's clock (codes expire 10 minutes after they are issued). */
  advanceClock(ms: number): void;
  /** GET the authorize page, POST the decision, return the redirect's Location (not followed). */
  authorize(url: string, decision?: 'allow' | 'deny'): Promise<URL>;
  /** Bugs in the double itself (answered as 500); should stay empty. */
  internalErrors(): readonly unknown[];
  /** Default user, no refusal or API failure, real time, no codes or tokens. */
  reset(): void;
  close(): Promise<void>;
}

export const DEFAULT_GITHUB_USER: GitHubDoubleUser = {
  id: 583231,
  login: 'octocat',
  name: 'The Octocat',
  emails: [{ email: 'octocat@github.com', primary: true, verified: true, visibility: 'public' }],
};

const CODE_LIFETIME_MS = 10 * 60 * 1000;
const API_VERSIONS = ['2022-11-28', '2026-03-10'];
const TROUBLESHOOTING = 'https://docs.github.com/apps/managing-oauth-apps';
const TOKEN_ERRORS = {
  incorrect_client_credentials: 'The client_id and/or client_secret passed are incorrect.',
  redirect_uri_mismatch:
    'The redirect_uri MUST match the registered callback URL for this application.',
  bad_verification_code: 'The code passed is incorrect or expired.',
} as const;

interface Grant {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  readonly challenge: string | null;
  readonly user: GitHubDoubleUser;
  readonly issuedAt: number;
}

interface Reply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

interface DoubleState {
  readonly clients: ReadonlyMap<string, GitHubDoubleClient>;
  readonly codes: Map<string, Grant>;
  readonly tokens: Map<string, Grant>;
  user: GitHubDoubleUser;
  refuseNext: boolean;
  apiFailure: number | null;
  clockOffset: number;
}

export async function startGitHubDouble(options: {
  readonly clients: readonly GitHubDoubleClient[];
}): Promise<GitHubDouble> {
  const state: DoubleState = {
    clients: new Map(options.clients.map((client) => [client.clientId, client])),
    codes: new Map(),
    tokens: new Map(),
    user: DEFAULT_GITHUB_USER,
    refuseNext: false,
    apiFailure: null,
    clockOffset: 0,
  };
  const errors: unknown[] = [];
  const server = createServer((req, res) => {
    route(state, req)
      .catch((error: unknown) => {
        errors.push(error);
        return text(500, 'double failure');
      })
      .then((reply) => res.writeHead(reply.status, reply.headers).end(reply.body))
      .catch(() => res.destroy());
  });
  const url = await listenOnLoopback(server);
  return {
    url,
    authorizeUrl: `${url}/login/oauth/authorize`,
    tokenUrl: `${url}/login/oauth/access_token`,
    apiUrl: `${url}/api`,
    setUser: (user) => (state.user = user),
    refuseNext: () => (state.refuseNext = true),
    failApi: (status) => (state.apiFailure = status),
    advanceClock: (ms) => (state.clockOffset += ms),
    authorize: (target, decision = 'allow') => authorizeOverHttp(target, decision),
    internalErrors: () => [...errors],
    reset: () => {
      Object.assign(state, {
        user: DEFAULT_GITHUB_USER,
        refuseNext: false,
        apiFailure: null,
        clockOffset: 0,
      });
      state.codes.clear();
      state.tokens.clear();
    },
    close: () => closeServer(server),
  };
}

async function route(state: DoubleState, req: IncomingMessage): Promise<Reply> {
  const url = new URL(`http://double.invalid${req.url ?? '/'}`);
  const body = await readBody(req);
  const key = `${req.method ?? 'GET'} ${url.pathname}`;
  if (key === 'GET /login/oauth/authorize') return showAuthorizePage(state, url.searchParams);
  if (key === 'POST /login/oauth/authorize') return decide(state, new URLSearchParams(body));
  if (key === 'POST /login/oauth/access_token') {
    return exchangeCode(state, tokenParams(url, req.headers, body), req.headers.accept ?? '');
  }
  if (url.pathname.startsWith('/api/'))
    return answerApi(state, key.replace(' /api/', ' /'), req.headers);
  return text(404, 'Not Found');
}

// --- Authorization: the page, then the user's decision ---------------------------------------

type AuthorizationRequest = Omit<Grant, 'user' | 'issuedAt'> & { readonly state: string | null };

/** Checked on the page and again on the decision: the form's hidden fields are the client's to edit. */
function readAuthorization(
  state: DoubleState,
  params: URLSearchParams,
): { ok: true; request: AuthorizationRequest } | { ok: false; reply: Reply } {
  const client = state.clients.get(params.get('client_id') ?? '');
  if (client === undefined)
    return { ok: false, reply: page(404, 'Not Found', 'No OAuth app has this client_id.') };
  const requested = params.get('redirect_uri');
  const redirectUri = requested ?? client.redirectUris[0];
  if (
    redirectUri === undefined ||
    (requested !== null && !isRegisteredRedirect(client, requested))
  ) {
    return {
      ok: false,
      reply: page(
        400,
        'Redirect URI mismatch',
        'The redirect_uri is not associated with this application.',
      ),
    };
  }
  const method = params.get('code_challenge_method');
  const challenge = params.get('code_challenge');
  if (
    (method === null) !== (challenge === null) ||
    (method !== null && method !== 'S256') ||
    (challenge !== null && !/^[\w-]{43}$/u.test(challenge))
  ) {
    return {
      ok: false,
      reply: page(
        400,
        'Invalid PKCE parameters',
        'code_challenge must be 43 characters with code_challenge_method S256.',
      ),
    };
  }
  const scopes = (params.get('scope') ?? '').split(/[\s,]+/u).filter((scope) => scope !== '');
  return {
    ok: true,
    request: {
      clientId: client.clientId,
      redirectUri,
      scopes,
      challenge,
      state: params.get('state'),
    },
  };
}

function showAuthorizePage(state: DoubleState, params: URLSearchParams): Reply {
  const read = readAuthorization(state, params);
  if (!read.ok) return read.reply;
  const hidden = [...params]
    .filter(([name]) => name !== 'decision')
    .map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}" />`);
  const markup = html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <title>Authorize application</title>
      </head>
      <body>
        <h1>Authorize ${read.request.clientId}</h1>
        <p>
          Signed in as <strong>${state.user.login}</strong>. Requested scopes:
          ${read.request.scopes.join(', ') || '(none)'}
        </p>
        <form method="post" action="/login/oauth/authorize">
          ${hidden}
          <button type="submit" name="decision" value="deny">Cancel</button>
          <button type="submit" name="decision" value="allow">Authorize</button>
        </form>
      </body>
    </html>`;
  return {
    status: 200,
    headers: { 'content-type': 'text/html; charset=utf-8' },
    body: markup.toString(),
  };
}

function decide(state: DoubleState, form: URLSearchParams): Reply {
  const read = readAuthorization(state, form);
  if (!read.ok) return read.reply;
  const decision = form.get('decision');
  if (decision !== 'allow' && decision !== 'deny')
    return page(400, 'Bad request', 'decision must be allow or deny.');
  const { state: flowState, ...request } = read.request;
  const target = new URL(request.redirectUri);
  if (decision === 'deny' || state.refuseNext) {
    state.refuseNext = false;
    target.searchParams.set('error', 'access_denied');
    target.searchParams.set('error_description', 'The user has denied your application access.');
    target.searchParams.set(
      'error_uri',
      `${TROUBLESHOOTING}/troubleshooting-authorization-request-errors/#access-denied`,
    );
  } else {
    const code = randomBytes(10).toString('hex');
    state.codes.set(code, { ...request, user: state.user, issuedAt: now(state) });
    target.searchParams.set('code', code);
  }
  if (flowState !== null) target.searchParams.set('state', flowState);
  return { status: 302, headers: { location: target.href }, body: '' };
}

/**
 * GitHub's documented rule for OAuth apps: same host (or a subdomain) and port as a callback URL,
 * path equal or below it; on a loopback callback any port.
 */
function isRegisteredRedirect(client: GitHubDoubleClient, requested: string): boolean {
  if (!URL.canParse(requested)) return false;
  const url = new URL(requested);
  return client.redirectUris.some((registered) => {
    const callback = new URL(registered);
    const loopback = callback.hostname === '127.0.0.1' || callback.hostname === '[::1]';
    const host =
      url.hostname === callback.hostname ||
      (!loopback && url.hostname.endsWith(`.${callback.hostname}`));
    const port = url.port === callback.port || (loopback && url.hostname === callback.hostname);
    const below =
      url.pathname === callback.pathname ||
      url.pathname.startsWith(`${callback.pathname.replace(/\/$/u, '')}/`);
    return url.protocol === callback.protocol && host && port && below;
  });
}

// --- Token endpoint ------------------------------------------------------------------------------

function exchangeCode(state: DoubleState, params: URLSearchParams, accept: string): Reply {
  const client = state.clients.get(params.get('client_id') ?? '');
  if (client === undefined || client.clientSecret !== params.get('client_secret')) {
    return tokenReply(
      accept,
      tokenError('incorrect_client_credentials', 'incorrect-client-credentials'),
    );
  }
  const code = params.get('code') ?? '';
  const grant = state.codes.get(code);
  // Single use: any exchange attempt with a code burns it, whatever the outcome.
  state.codes.delete(code);
  const badCode = tokenError('bad_verification_code', 'bad-verification-code');
  if (
    grant === undefined ||
    grant.clientId !== client.clientId ||
    now(state) - grant.issuedAt > CODE_LIFETIME_MS
  ) {
    return tokenReply(accept, badCode);
  }
  const redirectUri = params.get('redirect_uri');
  if (redirectUri !== null && redirectUri !== grant.redirectUri) {
    return tokenReply(accept, tokenError('redirect_uri_mismatch', 'redirect-uri-mismatch2'));
  }
  const verifier = params.get('code_verifier') ?? '';
  if (
    grant.challenge !== null &&
    createHash('sha256').update(verifier).digest('base64url') !== grant.challenge
  ) {
    return tokenReply(accept, badCode);
  }
  const token = `gho_${randomBytes(18).toString('hex')}`;
  state.tokens.set(token, grant);
  return tokenReply(accept, {
    access_token: token,
    token_type: 'bearer',
    scope: grant.scopes.join(','),
  });
}

function tokenError(error: keyof typeof TOKEN_ERRORS, anchor: string): Record<string, string> {
  return {
    error,
    error_description: TOKEN_ERRORS[error],
    error_uri: `${TROUBLESHOOTING}/troubleshooting-oauth-app-access-token-request-errors/#${anchor}`,
  };
}

/** JSON when asked for; otherwise GitHub's default, form encoding. Refusals are HTTP 200 too. */
function tokenReply(accept: string, fields: Record<string, string>): Reply {
  return accept.includes('application/json')
    ? json(200, fields)
    : {
        status: 200,
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body: new URLSearchParams(fields).toString(),
      };
}

/** Query, form or JSON body: GitHub takes the parameters from any of them. */
function tokenParams(url: URL, headers: IncomingHttpHeaders, body: string): URLSearchParams {
  const params = new URLSearchParams(url.searchParams);
  let fields: [string, string][] = [...new URLSearchParams(body)];
  if ((headers['content-type'] ?? '').includes('application/json')) {
    const parsed: unknown = parseJson(body);
    const entries = typeof parsed === 'object' && parsed !== null ? Object.entries(parsed) : [];
    fields = entries.filter((entry): entry is [string, string] => typeof entry[1] === 'string');
  }
  for (const [name, value] of fields) params.set(name, value);
  return params;
}

// --- REST API -----------------------------------------------------------------------------------

function answerApi(state: DoubleState, key: string, headers: IncomingHttpHeaders): Reply {
  if (headers['user-agent'] === undefined || headers['user-agent'] === '') {
    return text(
      403,
      'Request forbidden by administrative rules. Please make sure your request has a User-Agent header.',
    );
  }
  const version = headers['x-github-api-version'];
  if (typeof version === 'string' && !API_VERSIONS.includes(version)) {
    return apiError(400, `API version ${version} is not supported.`);
  }
  if (state.apiFailure !== null)
    return apiError(state.apiFailure, state.apiFailure >= 500 ? 'Server Error' : 'Failure');
  const [scheme = '', token = ''] = (headers.authorization ?? '').split(' ');
  const grant = /^(bearer|token)$/iu.test(scheme) ? state.tokens.get(token) : undefined;
  if (grant === undefined)
    return apiError(
      401,
      headers.authorization === undefined ? 'Requires authentication' : 'Bad credentials',
    );
  const scopeHeaders = { 'x-oauth-scopes': grant.scopes.join(', ') };
  const { user } = grant;
  if (key === 'GET /user') {
    const publicEmail = user.emails.find((entry) => entry.primary && entry.visibility === 'public');
    return json(
      200,
      {
        login: user.login,
        id: user.id,
        node_id: `U_${user.id}`,
        type: 'User',
        site_admin: false,
        html_url: `https://github.com/${user.login}`,
        name: user.name,
        email: publicEmail?.email ?? null,
      },
      scopeHeaders,
    );
  }
  if (key === 'GET /user/emails') {
    // Guess: GitHub's answer to a token without the scope is not documented.
    if (!grant.scopes.some((scope) => scope === 'user' || scope === 'user:email'))
      return apiError(404, 'Not Found');
    return json(200, user.emails, scopeHeaders);
  }
  return apiError(404, 'Not Found');
}

function apiError(status: number, message: string): Reply {
  return json(status, {
    message,
    documentation_url: 'https://docs.github.com/rest',
    status: String(status),
  });
}

// --- Plumbing -----------------------------------------------------------------------------------

function now(state: DoubleState): number {
  return Date.now() + state.clockOffset;
}

function json(status: number, value: unknown, headers: Record<string, string> = {}): Reply {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(value),
  };
}

function text(status: number, body: string): Reply {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body };
}

function page(status: number, title: string, message: string): Reply {
  const markup = html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <title>${title}</title>
      </head>
      <body>
        <h1>${title}</h1>
        <p>${message}</p>
      </body>
    </html>`;
  return {
    status,
    headers: { 'content-type': 'text/html; charset=utf-8' },
    body: markup.toString(),
  };
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function authorizeOverHttp(target: string, decision: 'allow' | 'deny'): Promise<URL> {
  const authorizeUrl = new URL(target);
  const shown = await fetch(authorizeUrl, { redirect: 'manual' });
  const markup = await shown.text();
  if (shown.status !== 200)
    throw new Error(`github double: authorize page answered ${shown.status}: ${markup}`);
  const form = new URLSearchParams(authorizeUrl.searchParams);
  form.set('decision', decision);
  const decided = await fetch(new URL(authorizeUrl.pathname, authorizeUrl), {
    method: 'POST',
    body: form,
    redirect: 'manual',
  });
  const location = decided.headers.get('location');
  const answer = await decided.text();
  if (decided.status !== 302 || location === null)
    throw new Error(`github double: decision answered ${decided.status}: ${answer}`);
  return new URL(location);
}
