// The test OpenID Provider: openid-client signs in through it; it rotates keys, forges, goes down.
import { connect } from 'node:net';
import { decodeProtectedHeader, type JSONWebKeySet } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getFreePort } from './free-port.js';
import {
  startTestOpenIdProvider,
  type TestOpClient,
  type TestOpenIdProvider,
} from './oidc-provider.js';

const redirectUri = 'http://127.0.0.1:3999/auth/oidc/callback';
const client = {
  clientId: 'authflow',
  clientSecret: 'authflow-secret',
  redirectUris: [redirectUri],
};
const alice = {
  sub: 'alice',
  email: 'alice@example.com',
  email_verified: true,
  name: 'Alice Example',
  groups: ['admins', 'staff'],
  amr: ['pwd', 'mfa'],
};

async function discover(
  op: TestOpenIdProvider,
  auth?: oidc.ClientAuth,
  { clientId, clientSecret }: TestOpClient = client,
): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(op.issuer), clientId, clientSecret, auth, {
    // The test OP speaks plain HTTP on 127.0.0.1; openid-client marks this opt-in as deprecated.
    // eslint-disable-next-line @typescript-eslint/no-deprecated
    execute: [oidc.allowInsecureRequests],
  });
}

async function readJwks(url: string): Promise<JSONWebKeySet> {
  return (await (await fetch(url)).json()) as JSONWebKeySet;
}

/** One relying-party sign-in: authorization URL → login() → code exchange with every check on. */
async function signIn(
  op: TestOpenIdProvider,
  config: oidc.Configuration,
  sub = 'alice',
  scope = 'openid email profile',
) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  const callback = await op.login(url.href, sub);
  const tokens = await oidc.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
  });
  return { callback, nonce, state, tokens };
}

describe('test OpenID Provider', () => {
  let op: TestOpenIdProvider;
  let config: oidc.Configuration;
  beforeAll(async () => {
    op = await startTestOpenIdProvider({ clients: [client], accounts: [alice] });
    config = await discover(op);
  });
  afterAll(async () => {
    await op.close();
  });

  it('publishes discovery and a JWKS at its 127.0.0.1 issuer', async () => {
    const metadata = config.serverMetadata();
    expect(op.issuer).toBe(`http://127.0.0.1:${op.port}`);
    expect(metadata.issuer).toBe(op.issuer);
    expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
    expect(metadata.token_endpoint_auth_methods_supported).toEqual(
      expect.arrayContaining(['client_secret_basic', 'client_secret_post']),
    );
    expect(metadata.scopes_supported).toEqual(
      expect.arrayContaining(['openid', 'email', 'profile', 'groups']),
    );
    const jwks = await readJwks(metadata.jwks_uri!);
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });

  it('signs alice in with code + PKCE and puts her claims, groups and amr in the ID token', async () => {
    const { callback, nonce, state, tokens } = await signIn(op, config);

    expect(callback.origin + callback.pathname).toBe(redirectUri);
    expect(callback.searchParams.get('state')).toBe(state);
    expect(callback.searchParams.get('iss')).toBe(op.issuer);
    expect(tokens.claims()).toMatchObject({
      iss: op.issuer,
      aud: client.clientId,
      sub: 'alice',
      nonce,
      email: 'alice@example.com',
      email_verified: true,
      name: 'Alice Example',
      groups: ['admins', 'staff'],
      amr: ['pwd', 'mfa'],
    });
  });

  it('accepts client_secret_basic as well as client_secret_post', async () => {
    const basic = await discover(op, oidc.ClientSecretBasic(client.clientSecret));
    const { tokens } = await signIn(op, basic, 'alice', 'openid groups');
    expect(tokens.claims()).toMatchObject({ sub: 'alice', groups: ['admins', 'staff'] });
    expect(tokens.claims()).not.toHaveProperty('email');
  });

  it('returns access_denied to the relying party when the user denies consent', async () => {
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid email',
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      state: 'deny-state',
    });
    const callback = await op.login(url.href, 'alice', { deny: true });

    expect(callback.origin + callback.pathname).toBe(redirectUri);
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('state')).toBe('deny-state');
    expect(callback.searchParams.has('code')).toBe(false);
  });

  it('refuses an authorization request without PKCE', async () => {
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid',
      state: 'no-pkce',
    });
    const callback = await op.login(url.href, 'alice');

    expect(callback.searchParams.get('error')).toBe('invalid_request');
    expect(callback.searchParams.get('error_description')).toMatch(/PKCE/);
  });

  it('signs in an account added later and releases its changed claims', async () => {
    op.setAccount({ sub: 'bob', email: 'bob@example.com', email_verified: false });
    const { tokens } = await signIn(op, config, 'bob');
    expect(tokens.claims()).toMatchObject({ sub: 'bob', email_verified: false });
    expect(tokens.claims()).not.toHaveProperty('amr');
    expect(tokens.claims()).not.toHaveProperty('groups');

    await expect(op.login('http://127.0.0.1:1/', 'nobody')).rejects.toThrow('No account with sub');
  });

  it('registers a client at runtime', async () => {
    const late = { clientId: 'late', clientSecret: 'late-secret', redirectUris: [redirectUri] };
    await op.setClient(late);
    const { tokens } = await signIn(op, await discover(op, undefined, late));
    expect(tokens.claims()).toMatchObject({ aud: 'late', sub: 'alice' });
  });

  it('hands out an ID token for another audience once, which the relying party refuses', async () => {
    op.tamperNextIdToken((claims) => ({ ...claims, aud: 'someone-else' }));
    await expect(signIn(op, config)).rejects.toMatchObject({
      code: 'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
      cause: { cause: { claim: 'aud' } },
    });

    const { tokens } = await signIn(op, config);
    expect(tokens.claims()?.aud).toBe(client.clientId);
  });

  it('hands out an expired ID token signed with its own key, which the relying party refuses', async () => {
    op.tamperNextIdToken((claims) => ({ ...claims, exp: Math.floor(Date.now() / 1000) - 3600 }));
    await expect(signIn(op, config)).rejects.toMatchObject({
      code: 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED',
      cause: { cause: { claim: 'exp' } },
    });
  });

  // openid-client trusts an ID token fetched from the token endpoint over TLS without checking its
  // signature (OIDC Core 3.1.3.7 allows it); only with non-repudiation checks on does it verify it.
  it('hands out an ID token signed with a key it never published, which a verifying relying party refuses', async () => {
    const verifying = await discover(op);
    oidc.enableNonRepudiationChecks(verifying);
    op.tamperNextIdToken((claims) => claims, { key: 'foreign' });
    await expect(signIn(op, verifying)).rejects.toThrow(/no applicable keys found/);

    const { tokens } = await signIn(op, verifying);
    expect(decodeProtectedHeader(tokens.id_token!).kid).not.toBe('foreign-key');
  });
});

function connectionError(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code));
  });
}

describe('test OpenID Provider keys and outages', () => {
  let op: TestOpenIdProvider;
  beforeAll(async () => {
    op = await startTestOpenIdProvider({ clients: [client], accounts: [alice] });
  });
  afterAll(async () => {
    await op.close();
  });

  it('rotates its signing key: both keys published, new tokens signed with the new one', async () => {
    const before = await signIn(op, await discover(op));
    const oldKid = decodeProtectedHeader(before.tokens.id_token!).kid;

    await op.rotateSigningKey();
    const config = await discover(op);
    const jwks = await readJwks(config.serverMetadata().jwks_uri!);
    const after = await signIn(op, config);
    const newKid = decodeProtectedHeader(after.tokens.id_token!).kid;

    expect(jwks.keys.map((key) => key.kid)).toEqual([newKid, oldKid]);
    expect(newKid).not.toBe(oldKid);
    expect(after.tokens.claims()).toMatchObject({ sub: 'alice', amr: ['pwd', 'mfa'] });
  });

  it('refuses connections while stopped and comes back on the same port with the same keys', async () => {
    const jwksBefore = await readJwks(`${op.issuer}/jwks`);

    await op.stop();
    // Over a kept-alive connection fetch may see "other side closed" rather than a refusal.
    await expect(discover(op)).rejects.toThrow('fetch failed');
    expect(await connectionError(op.port)).toBe('ECONNREFUSED');

    await op.restart();
    expect(await connectionError(op.port)).toBeUndefined();
    expect(await readJwks(`${op.issuer}/jwks`)).toEqual(jwksBefore);
    const { tokens } = await signIn(op, await discover(op));
    expect(tokens.claims()?.sub).toBe('alice');
  });

  it('starts on a pinned port', async () => {
    const port = await getFreePort();
    const pinned = await startTestOpenIdProvider({ clients: [client], port });
    expect(pinned.issuer).toBe(`http://127.0.0.1:${port}`);
    await pinned.close();
  });

  it('shows a sign-in form a browser can fill, and refuses an unknown login on it', async () => {
    const config = await discover(op);
    const authorize = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    });
    const started = await fetch(authorize, { redirect: 'manual' });
    const cookie = started.headers
      .getSetCookie()
      .map((line) => line.split(';')[0])
      .join('; ');
    const page = await fetch(new URL(started.headers.get('location')!, op.issuer), {
      headers: { cookie },
    });
    const html = await page.text();
    expect(html).toMatch(/<form method="post" action="\/interaction\/[\w-]+\/login">/);
    expect(html).toContain('<input name="login"');
    expect(html).toContain('<input type="password" name="password"');
    expect(html).toContain('<button type="submit">Sign in</button>');

    const action = /action="([^"]+)"/.exec(html)![1]!;
    const refused = await fetch(new URL(action, op.issuer), {
      method: 'POST',
      headers: { cookie },
      body: new URLSearchParams({ login: 'mallory', password: 'x' }),
    });
    expect(refused.status).toBe(401);
    expect(await refused.text()).toContain('<p role="alert">Unknown account</p>');
  });
});
