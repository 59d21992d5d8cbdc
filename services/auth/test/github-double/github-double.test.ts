// The GitHub double speaks the documented wire protocol: raw HTTP in, GitHub's answers out.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useGitHubDouble } from './test-support/double-fixture.js';

const CLIENT = {
  clientId: 'Iv1.double',
  clientSecret: 'double-secret',
  redirectUris: ['http://127.0.0.1:3000/callback'],
};
const REDIRECT = 'http://127.0.0.1:3000/callback';
const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';

/** The token endpoint and the API answer JSON objects; the assertions check their shape. */
async function fieldsOf(response: Response | Promise<Response>): Promise<Record<string, unknown>> {
  return (await (await response).json()) as Record<string, unknown>;
}

const double = useGitHubDouble({ clients: [CLIENT] });

function authorizeUrl(params: Record<string, string> = {}): string {
  const url = new URL(double().authorizeUrl);
  const defaults = {
    client_id: CLIENT.clientId,
    redirect_uri: REDIRECT,
    scope: 'read:user user:email',
    state: 'st-1',
  };
  for (const [name, value] of Object.entries({ ...defaults, ...params }))
    url.searchParams.set(name, value);
  return url.href;
}

function exchange(fields: Record<string, string>, init: { json?: boolean; accept?: string } = {}) {
  const body = {
    client_id: CLIENT.clientId,
    client_secret: CLIENT.clientSecret,
    redirect_uri: REDIRECT,
    ...fields,
  };
  return fetch(double().tokenUrl, {
    method: 'POST',
    headers: {
      Accept: init.accept ?? 'application/json',
      ...(init.json === true ? { 'Content-Type': 'application/json' } : {}),
    },
    body: init.json === true ? JSON.stringify(body) : new URLSearchParams(body),
  });
}

async function codeOf(params: Record<string, string> = {}): Promise<string> {
  return (await double().authorize(authorizeUrl(params))).searchParams.get('code')!;
}

function api(path: string, token: string | undefined, headers: Record<string, string> = {}) {
  return fetch(`${double().apiUrl}${path}`, {
    headers: {
      Accept: 'application/vnd.github+json',
      'X-GitHub-Api-Version': '2022-11-28',
      ...(token === undefined ? {} : { Authorization: `Bearer ${token}` }),
      ...headers,
    },
  });
}

describe('authorize page', () => {
  it('shows an Authorize form that carries the request, escaped', async () => {
    const response = await fetch(authorizeUrl({ state: '"><script>x</script>' }));
    const page = await response.text();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(page).toContain('<form method="post" action="/login/oauth/authorize">');
    expect(page).toContain(
      '<button type="submit" name="decision" value="allow">Authorize</button>',
    );
    expect(page).toContain('name="state" value="&quot;&gt;&lt;script&gt;x&lt;/script&gt;"');
    expect(page).not.toContain('<script>');
  });

  it('answers 404 for an unknown client_id and an error page, not a redirect, for a foreign redirect_uri', async () => {
    const unknown = await fetch(authorizeUrl({ client_id: 'nobody' }), { redirect: 'manual' });
    expect(unknown.status).toBe(404);
    const foreign = await fetch(authorizeUrl({ redirect_uri: 'https://evil.example/callback' }), {
      redirect: 'manual',
    });
    expect(foreign.status).toBe(400);
    expect(foreign.headers.get('location')).toBeNull();
    expect(await foreign.text()).toContain('redirect_uri is not associated with this application');
  });

  it('accepts redirect URIs by the documented rule: below the callback path, any port on loopback', async () => {
    await expect(
      double().authorize(authorizeUrl({ redirect_uri: 'http://127.0.0.1:3000/callback/github' })),
    ).resolves.toBeInstanceOf(URL);
    await expect(
      double().authorize(authorizeUrl({ redirect_uri: 'http://127.0.0.1:4555/callback' })),
    ).resolves.toBeInstanceOf(URL);
    await expect(
      double().authorize(authorizeUrl({ redirect_uri: 'http://127.0.0.1:3000/other' })),
    ).rejects.toThrow(/400/u);
    await expect(
      double().authorize(authorizeUrl({ redirect_uri: 'https://127.0.0.1:3000/callback' })),
    ).rejects.toThrow(/400/u);
  });

  it('uses the first registered callback URL when redirect_uri is left out', async () => {
    const url = new URL(authorizeUrl());
    url.searchParams.delete('redirect_uri');
    const back = await double().authorize(url.href);
    expect(`${back.origin}${back.pathname}`).toBe(REDIRECT);
  });

  it('refuses PKCE parameters GitHub does not support', async () => {
    const plain = await fetch(
      authorizeUrl({ code_challenge: VERIFIER, code_challenge_method: 'plain' }),
    );
    expect(plain.status).toBe(400);
    const noMethod = await fetch(authorizeUrl({ code_challenge: VERIFIER }));
    expect(noMethod.status).toBe(400);
  });

  it('redirects with a code and the state on Authorize', async () => {
    const back = await double().authorize(authorizeUrl());
    expect(`${back.origin}${back.pathname}`).toBe(REDIRECT);
    expect(back.searchParams.get('code')).toMatch(/^[0-9a-f]{20}$/u);
    expect(back.searchParams.get('state')).toBe('st-1');
  });

  it('redirects with error=access_denied on Cancel and after refuseNext, then allows again', async () => {
    const cancelled = await double().authorize(authorizeUrl(), 'deny');
    expect(cancelled.searchParams.get('error')).toBe('access_denied');
    expect(cancelled.searchParams.get('error_description')).toBe(
      'The user has denied your application access.',
    );
    expect(cancelled.searchParams.get('state')).toBe('st-1');
    double().refuseNext();
    const refused = await double().authorize(authorizeUrl());
    expect(refused.searchParams.get('error')).toBe('access_denied');
    expect(refused.searchParams.has('code')).toBe(false);
    expect((await double().authorize(authorizeUrl())).searchParams.has('code')).toBe(true);
  });
});

describe('token endpoint', () => {
  it('exchanges a code for a bearer token as JSON, from a form or a JSON body', async () => {
    const fromForm = await exchange({ code: await codeOf() });
    expect(fromForm.status).toBe(200);
    expect(await fromForm.json()).toEqual({
      access_token: expect.stringMatching(/^gho_/u),
      token_type: 'bearer',
      scope: 'read:user,user:email',
    });
    const fromJson = await exchange({ code: await codeOf() }, { json: true });
    expect((await fieldsOf(fromJson)).access_token).toMatch(/^gho_/u);
  });

  it('answers form-encoded unless JSON is asked for', async () => {
    const response = await exchange({ code: await codeOf() }, { accept: '*/*' });
    expect(response.headers.get('content-type')).toContain('application/x-www-form-urlencoded');
    expect(new URLSearchParams(await response.text()).get('token_type')).toBe('bearer');
  });

  it('makes codes single use, with bad_verification_code as HTTP 200', async () => {
    const code = await codeOf();
    expect((await fieldsOf(exchange({ code }))).access_token).toBeDefined();
    const replay = await exchange({ code });
    expect(replay.status).toBe(200);
    expect(await replay.json()).toMatchObject({
      error: 'bad_verification_code',
      error_description: 'The code passed is incorrect or expired.',
    });
  });

  it('expires codes after 10 minutes', async () => {
    const code = await codeOf();
    double().advanceClock(10 * 60 * 1000 + 1);
    expect((await fieldsOf(exchange({ code }))).error).toBe('bad_verification_code');
  });

  it('refuses wrong client credentials and a redirect_uri other than the authorization one', async () => {
    const code = await codeOf();
    expect((await fieldsOf(exchange({ code, client_secret: 'wrong' }))).error).toBe(
      'incorrect_client_credentials',
    );
    expect(
      (await fieldsOf(exchange({ code, redirect_uri: 'http://127.0.0.1:3000/callback/x' }))).error,
    ).toBe('redirect_uri_mismatch');
  });

  it('checks the PKCE verifier when a challenge was sent', async () => {
    const challenge = createHash('sha256').update(VERIFIER).digest('base64url');
    const pkce = { code_challenge: challenge, code_challenge_method: 'S256' };
    expect((await fieldsOf(exchange({ code: await codeOf(pkce) }))).error).toBe(
      'bad_verification_code',
    );
    expect(
      (await fieldsOf(exchange({ code: await codeOf(pkce), code_verifier: `${VERIFIER}x` }))).error,
    ).toBe('bad_verification_code');
    expect(
      (await fieldsOf(exchange({ code: await codeOf(pkce), code_verifier: VERIFIER })))
        .access_token,
    ).toMatch(/^gho_/u);
  });
});

describe('REST API under /api', () => {
  async function tokenFor(scope = 'read:user user:email'): Promise<string> {
    return String((await fieldsOf(exchange({ code: await codeOf({ scope }) }))).access_token);
  }

  it('answers /user and /user/emails for the user who signed in', async () => {
    double().setUser({
      id: 42,
      login: 'ada',
      name: null,
      emails: [
        { email: 'ada@work.example', primary: false, verified: true, visibility: null },
        { email: 'ada@example.com', primary: true, verified: false, visibility: 'private' },
      ],
    });
    const token = await tokenFor();
    double().setUser({ id: 7, login: 'someone-else', name: 'Else', emails: [] });
    const user = await api('/user', token);
    expect(user.status).toBe(200);
    expect(await user.json()).toMatchObject({ id: 42, login: 'ada', name: null, email: null });
    const emails = await api('/user/emails', token);
    expect(await emails.json()).toEqual([
      { email: 'ada@work.example', primary: false, verified: true, visibility: null },
      { email: 'ada@example.com', primary: true, verified: false, visibility: 'private' },
    ]);
  });

  it('answers 401 without a token or with an unknown one', async () => {
    expect((await api('/user', undefined)).status).toBe(401);
    const unknown = await api('/user', 'gho_unknown');
    expect(unknown.status).toBe(401);
    expect(await unknown.json()).toMatchObject({ message: 'Bad credentials' });
  });

  it('hides /user/emails from a token without the user:email scope', async () => {
    expect((await api('/user/emails', await tokenFor('read:user'))).status).toBe(404);
  });

  it('refuses an unsupported API version', async () => {
    expect(
      (await api('/user', await tokenFor(), { 'X-GitHub-Api-Version': '2001-01-01' })).status,
    ).toBe(400);
  });

  it('fails every API request with failApi until it is cleared', async () => {
    const token = await tokenFor();
    double().failApi(503);
    expect((await api('/user', token)).status).toBe(503);
    expect((await api('/user/emails', token)).status).toBe(503);
    double().failApi(null);
    expect((await api('/user', token)).status).toBe(200);
  });
});
