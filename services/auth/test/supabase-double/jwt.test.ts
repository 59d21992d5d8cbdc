// Access tokens: ES256 signatures that verify against /.well-known/jwks.json, and GoTrue's claim set.
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { useSupabaseDouble } from './test-support/double-fixture.js';
import { createSdkClient, rawRequest, signInSession } from './test-support/sdk-clients.js';

const double = useSupabaseDouble();

describe('access tokens', () => {
  it('verify with jose against the published JWKS and carry the GoTrue claims', async () => {
    const user = double().createUser({
      email: 'jo@example.com',
      password: 'pw-123456',
      data: { a: 1 },
    });
    const session = await signInSession(double(), 'jo@example.com', 'pw-123456');

    const jwks = createRemoteJWKSet(new URL(double().jwksUrl), {
      headers: { apikey: double().anonKey },
    });
    const { payload, protectedHeader } = await jwtVerify(session.access_token, jwks, {
      algorithms: ['ES256'],
      issuer: double().authUrl,
      audience: 'authenticated',
    });
    expect(protectedHeader).toMatchObject({ alg: 'ES256', typ: 'JWT', kid: expect.any(String) });
    expect(payload).toEqual({
      iss: double().authUrl,
      sub: user.id,
      aud: 'authenticated',
      exp: payload.iat! + 3600,
      iat: expect.any(Number),
      email: 'jo@example.com',
      phone: '',
      app_metadata: { provider: 'email', providers: ['email'] },
      user_metadata: { a: 1 },
      role: 'authenticated',
      aal: 'aal1',
      amr: [{ method: 'password', timestamp: payload.iat }],
      session_id: double().sessionIds('jo@example.com')[0],
      is_anonymous: false,
    });
  });

  it('publishes the ES256 key whose kid the tokens carry, cacheable for 10 minutes', async () => {
    double().createUser({ email: 'jo@example.com', password: 'pw-123456' });
    const session = await signInSession(double(), 'jo@example.com', 'pw-123456');
    const response = await rawRequest(double(), 'GET', '/.well-known/jwks.json');
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('public, max-age=600');
    const { keys } = response.json as { keys: Record<string, unknown>[] };
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(keys[0]).not.toHaveProperty('d');
    expect(keys[0]?.kid).toBe(decodeProtectedHeader(session.access_token).kid);
  });

  it('is accepted by supabase-js getClaims, which verifies against the JWKS itself', async () => {
    const user = double().createUser({ email: 'jo@example.com', password: 'pw-123456' });
    const session = await signInSession(double(), 'jo@example.com', 'pw-123456');
    double().clearRequests();
    const { data, error } = await createSdkClient(double()).auth.getClaims(session.access_token);
    expect(error).toBeNull();
    expect(data?.claims.sub).toBe(user.id);
    expect(
      double()
        .requests()
        .map((r) => r.authPath),
    ).toEqual(['/.well-known/jwks.json']);
  });

  it('follows the configured lifetime and session shape', async () => {
    double().configure({ jwtExpirySeconds: 120 });
    double().createUser({ email: 'jo@example.com', password: 'pw-123456' });
    const session = await signInSession(double(), 'jo@example.com', 'pw-123456');
    const { payload } = await jwtVerify(
      session.access_token,
      createRemoteJWKSet(new URL(double().jwksUrl), { headers: { apikey: double().anonKey } }),
    );
    expect(session).toMatchObject({
      token_type: 'bearer',
      expires_in: 120,
      expires_at: payload.exp,
    });
    expect(payload.exp! - payload.iat!).toBe(120);
    expect(session.refresh_token).toMatch(/^[\w-]+$/);
    expect(session.refresh_token.split('.')).toHaveLength(1);
  });

  it('records amr otp for a session from an email link', async () => {
    double().createUser({ email: 'jo@example.com', password: 'pw-123456' });
    await createSdkClient(double()).auth.resetPasswordForEmail('jo@example.com');
    const { data } = await createSdkClient(double()).auth.verifyOtp({
      token_hash: double().lastEmail()!.tokenHash,
      type: 'recovery',
    });
    const { payload } = await jwtVerify(
      data.session!.access_token,
      createRemoteJWKSet(new URL(double().jwksUrl), { headers: { apikey: double().anonKey } }),
    );
    expect(payload.amr).toEqual([{ method: 'otp', timestamp: expect.any(Number) }]);
  });
});
