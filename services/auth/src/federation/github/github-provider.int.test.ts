// Signing in with GitHub, end to end over real HTTP against the GitHub wire double.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startGitHubDouble, type GitHubDouble } from '../../../test/github-double/github-double.js';
import { useGitHubDouble } from '../../../test/github-double/test-support/double-fixture.js';
import { FederationError, type FederationErrorCode } from '../external-provider.js';
import { GitHubProvider, type GitHubProviderOptions } from './github-provider.js';

const REDIRECT_URI = 'http://127.0.0.1:3000/auth/federation/github/callback';
const CLIENT = {
  clientId: 'Ov23liAuthFlow',
  clientSecret: 'authflow-client-secret',
  redirectUris: [REDIRECT_URI],
};

const double = useGitHubDouble({ clients: [CLIENT] });

function githubAt(
  target: GitHubDouble,
  overrides: Partial<GitHubProviderOptions> = {},
): GitHubProvider {
  return new GitHubProvider({
    id: 'github',
    clientId: CLIENT.clientId,
    clientSecret: CLIENT.clientSecret,
    authorizeUrl: target.authorizeUrl,
    tokenUrl: target.tokenUrl,
    apiUrl: target.apiUrl,
    ...overrides,
  });
}

/** start(), then the user clicks Authorize at the double: the callback URL the browser comes back on. */
async function signInAt(provider: GitHubProvider, target: GitHubDouble = double()) {
  const start = await provider.start({
    redirectUri: REDIRECT_URI,
    state: randomBytes(16).toString('base64url'),
  });
  const callbackUrl = await target.authorize(start.url);
  return { start, callbackUrl, secrets: start.secrets };
}

async function refusal(promise: Promise<unknown>): Promise<FederationError> {
  const error: unknown = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(FederationError);
  return error as FederationError;
}

async function expectRefusal(
  promise: Promise<unknown>,
  code: FederationErrorCode,
): Promise<FederationError> {
  const error = await refusal(promise);
  expect(error.code).toBe(code);
  return error;
}

describe('GitHubProvider', () => {
  it('sends the browser to GitHub with the client, scopes, state and an S256 PKCE challenge', async () => {
    const { url, secrets } = await githubAt(double()).start({
      redirectUri: REDIRECT_URI,
      state: 'flow-state',
    });
    const params = new URL(url).searchParams;
    expect(url.startsWith(`${double().authorizeUrl}?`)).toBe(true);
    expect(Object.fromEntries(params)).toEqual({
      client_id: CLIENT.clientId,
      redirect_uri: REDIRECT_URI,
      scope: 'read:user user:email',
      state: 'flow-state',
      code_challenge: createHash('sha256').update(secrets.codeVerifier).digest('base64url'),
      code_challenge_method: 'S256',
    });
    expect(secrets).toEqual({
      state: 'flow-state',
      codeVerifier: expect.stringMatching(/^[\w-]{43}$/u),
    });
  });

  it('signs in: numeric id as subject, primary verified email, display name, no groups or amr', async () => {
    double().setUser({
      id: 583231,
      login: 'octocat',
      name: 'The Octocat',
      emails: [
        { email: 'octo@work.example', primary: false, verified: true, visibility: null },
        { email: 'octocat@github.com', primary: true, verified: true, visibility: 'private' },
      ],
    });
    const provider = githubAt(double());
    const { callbackUrl, secrets } = await signInAt(provider);
    await expect(
      provider.complete({ callbackUrl, redirectUri: REDIRECT_URI, secrets }),
    ).resolves.toEqual({
      provider: 'github',
      subject: '583231',
      email: 'octocat@github.com',
      emailVerified: true,
      name: 'The Octocat',
      groups: [],
      amr: [],
    });
  });

  it('reports an unverified primary email as unverified, even beside a verified secondary one', async () => {
    double().setUser({
      id: 9,
      login: 'newcomer',
      name: null,
      emails: [
        { email: 'newcomer@work.example', primary: false, verified: true, visibility: null },
        { email: 'newcomer@example.com', primary: true, verified: false, visibility: 'public' },
      ],
    });
    const provider = githubAt(double());
    const { callbackUrl, secrets } = await signInAt(provider);
    const profile = await provider.complete({ callbackUrl, redirectUri: REDIRECT_URI, secrets });
    expect(profile).toMatchObject({
      subject: '9',
      email: 'newcomer@example.com',
      emailVerified: false,
      name: 'newcomer',
    });
  });

  it('reports no email when the account lists none', async () => {
    double().setUser({ id: 10, login: 'quiet', name: '', emails: [] });
    const provider = githubAt(double());
    const { callbackUrl, secrets } = await signInAt(provider);
    const profile = await provider.complete({ callbackUrl, redirectUri: REDIRECT_URI, secrets });
    expect(profile).toMatchObject({ email: undefined, emailVerified: false, name: 'quiet' });
  });

  it('refuses a callback whose state is not the one of this flow', async () => {
    const provider = githubAt(double());
    const { callbackUrl, secrets } = await signInAt(provider);
    const other = { ...secrets, state: randomBytes(16).toString('base64url') };
    await expectRefusal(
      provider.complete({ callbackUrl, redirectUri: REDIRECT_URI, secrets: other }),
      'invalid_callback',
    );
    const doubled = new URL(callbackUrl);
    doubled.searchParams.append('state', secrets.state);
    await expectRefusal(
      provider.complete({ callbackUrl: doubled, redirectUri: REDIRECT_URI, secrets }),
      'invalid_callback',
    );
  });

  it('refuses a callback without a code', async () => {
    const provider = githubAt(double());
    const { callbackUrl, secrets } = await signInAt(provider);
    callbackUrl.searchParams.delete('code');
    await expectRefusal(
      provider.complete({ callbackUrl, redirectUri: REDIRECT_URI, secrets }),
      'invalid_callback',
    );
  });

  it('refuses a replayed code', async () => {
    const provider = githubAt(double());
    const { callbackUrl, secrets } = await signInAt(provider);
    await provider.complete({ callbackUrl, redirectUri: REDIRECT_URI, secrets });
    const error = await expectRefusal(
      provider.complete({ callbackUrl, redirectUri: REDIRECT_URI, secrets }),
      'invalid_callback',
    );
    expect(error.detail).toContain('bad_verification_code');
  });

  it('refuses a code redeemed with another flow code_verifier (PKCE)', async () => {
    const provider = githubAt(double());
    const { callbackUrl, secrets } = await signInAt(provider);
    const { secrets: otherFlow } = await signInAt(provider);
    const mixed = { ...secrets, codeVerifier: otherFlow.codeVerifier };
    await expectRefusal(
      provider.complete({ callbackUrl, redirectUri: REDIRECT_URI, secrets: mixed }),
      'invalid_callback',
    );
  });

  it('says denied consent is the provider refusing', async () => {
    const provider = githubAt(double());
    double().refuseNext();
    const { callbackUrl, secrets } = await signInAt(provider);
    const error = await expectRefusal(
      provider.complete({ callbackUrl, redirectUri: REDIRECT_URI, secrets }),
      'provider_refused',
    );
    expect(error.detail).toContain('access_denied');
  });

  it('refuses with a detail for logs when the client secret is wrong', async () => {
    const provider = githubAt(double(), { clientSecret: 'not-the-secret' });
    const { callbackUrl, secrets } = await signInAt(provider);
    const error = await expectRefusal(
      provider.complete({ callbackUrl, redirectUri: REDIRECT_URI, secrets }),
      'invalid_callback',
    );
    expect(error.detail).toContain('incorrect_client_credentials');
    expect(error.message).not.toContain('not-the-secret');
  });

  it('says the provider is unavailable when the API answers 5xx, and the token was not accepted on 401', async () => {
    const provider = githubAt(double());
    double().failApi(502);
    const first = await signInAt(provider);
    await expectRefusal(
      provider.complete({ ...first, redirectUri: REDIRECT_URI }),
      'provider_unavailable',
    );
    double().failApi(401);
    const second = await signInAt(provider);
    await expectRefusal(
      provider.complete({ ...second, redirectUri: REDIRECT_URI }),
      'invalid_callback',
    );
  });

  it('treats a missing user:email scope (404) as a refused callback, not an outage, and rate limits as one', async () => {
    const provider = githubAt(double());
    double().failApi(404);
    const missingScope = await signInAt(provider);
    const refused = await refusal(
      provider.complete({ ...missingScope, redirectUri: REDIRECT_URI }),
    );
    expect(refused.code).toBe('invalid_callback');
    expect(refused.detail).toContain('user:email');
    double().failApi(429);
    const limited = await signInAt(provider);
    await expectRefusal(
      provider.complete({ ...limited, redirectUri: REDIRECT_URI }),
      'provider_unavailable',
    );
  });

  it('says the provider is unavailable when GitHub cannot be reached', async () => {
    const gone = await startGitHubDouble({ clients: [CLIENT] });
    const provider = githubAt(gone);
    const { callbackUrl, secrets } = await signInAt(provider, gone);
    await gone.close();
    await expectRefusal(
      provider.complete({ callbackUrl, redirectUri: REDIRECT_URI, secrets }),
      'provider_unavailable',
    );
  });

  it('gives up after timeoutMs on a token endpoint that never answers', async () => {
    const hanging = await startServer(() => undefined);
    try {
      const provider = githubAt(double(), { tokenUrl: hanging.url, timeoutMs: 200 });
      const { callbackUrl, secrets } = await signInAt(provider);
      const started = Date.now();
      await expectRefusal(
        provider.complete({ callbackUrl, redirectUri: REDIRECT_URI, secrets }),
        'provider_unavailable',
      );
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await hanging.close();
    }
  });

  it('says the email is missing when GitHub refuses the exchange for an unverified primary email', async () => {
    const body = {
      error: 'unverified_user_email',
      error_description: 'The user must have a verified primary email.',
    };
    const tokenEndpoint = await startServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body)),
    );
    try {
      const provider = githubAt(double(), { tokenUrl: tokenEndpoint.url });
      const { callbackUrl, secrets } = await signInAt(provider);
      await expectRefusal(
        provider.complete({ callbackUrl, redirectUri: REDIRECT_URI, secrets }),
        'email_missing',
      );
    } finally {
      await tokenEndpoint.close();
    }
  });

  it('never puts the code or the access token into an error', async () => {
    const provider = githubAt(double());
    const errors: FederationError[] = [];
    const replayed = await signInAt(provider);
    await provider.complete({ ...replayed, redirectUri: REDIRECT_URI });
    errors.push(await refusal(provider.complete({ ...replayed, redirectUri: REDIRECT_URI })));
    double().failApi(500);
    const tokenIssued = await signInAt(provider);
    errors.push(await refusal(provider.complete({ ...tokenIssued, redirectUri: REDIRECT_URI })));
    double().failApi(401);
    const tokenRejected = await signInAt(provider);
    errors.push(await refusal(provider.complete({ ...tokenRejected, redirectUri: REDIRECT_URI })));
    const codes = [replayed, tokenIssued, tokenRejected].map(({ callbackUrl }) =>
      callbackUrl.searchParams.get('code')!,
    );
    for (const error of errors) {
      const told = [
        error.message,
        error.detail ?? '',
        String(error.stack),
        String(error.cause),
      ].join('\n');
      expect(told).not.toMatch(/gho_/u);
      for (const code of codes) expect(told).not.toContain(code);
      expect(told).not.toContain(CLIENT.clientSecret);
    }
  });
});

async function startServer(
  listener: RequestListener,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/login/oauth/access_token`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
