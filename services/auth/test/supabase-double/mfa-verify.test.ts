// MFA challenge and verify through supabase-js: the aal2 session, and every refusal of reference 9.4.
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { useSupabaseDouble } from './test-support/double-fixture.js';
import {
  createSdkClient,
  rawRequest,
  signedInClient,
  signInSession,
  type SdkClient,
} from './test-support/sdk-clients.js';

const double = useSupabaseDouble();
const v2024 = { 'x-supabase-api-version': '2024-01-01' };

async function enrolled(): Promise<{ client: SdkClient; factorId: string; secret: string }> {
  double().createUser({ email: 'ada@example.com', password: 'pw-123456' });
  const client = await signedInClient(double(), 'ada@example.com', 'pw-123456');
  const { data, error } = await client.auth.mfa.enroll({
    factorType: 'totp',
    friendlyName: 'Phone',
  });
  if (error !== null) throw error;
  return { client, factorId: data.id, secret: data.totp.secret };
}

async function accessToken(client: SdkClient): Promise<string> {
  const { data } = await client.auth.getSession();
  return data.session!.access_token;
}

describe('challenge', () => {
  it('answers id, type and expires_at 300 s ahead, and marks the factor challenged', async () => {
    const { client, factorId } = await enrolled();
    const { data, error } = await client.auth.mfa.challenge({ factorId });
    expect(error).toBeNull();
    const now = Math.floor(double().now().getTime() / 1000);
    expect(data).toEqual({ id: expect.any(String), type: 'totp', expires_at: now + 300 });
    expect(double().factors('ada@example.com')[0]?.last_challenged_at).toEqual(expect.any(String));
  });

  it('answers 404 validation_failed for a non-UUID id and mfa_factor_not_found for another user', async () => {
    const { client } = await enrolled();
    double().createUser({ email: 'bob@example.com', password: 'pw-123456' });
    const bobFactor = double().createTotpFactor('bob@example.com', { verified: true });
    const bad = await rawRequest(double(), 'POST', '/factors/not-a-uuid/challenge', {
      headers: { ...v2024, authorization: `Bearer ${await accessToken(client)}` },
      body: '{}',
    });
    expect(bad.status).toBe(404);
    expect(bad.json).toMatchObject({ code: 'validation_failed' });
    const { error } = await client.auth.mfa.challenge({ factorId: bobFactor.id });
    expect(error).toMatchObject({ status: 404, code: 'mfa_factor_not_found' });
  });
});

describe('verify', () => {
  it('raises the same session to aal2 with amr totp then password, and verifies the factor', async () => {
    const { client, factorId, secret } = await enrolled();
    const before = await client.auth.getSession();
    const { data: challenge } = await client.auth.mfa.challenge({ factorId });
    const { data, error } = await client.auth.mfa.verify({
      factorId,
      challengeId: challenge!.id,
      code: double().totpCode(secret),
    });
    expect(error).toBeNull();
    const claims = decodeJwt(data!.access_token);
    const first = decodeJwt(before.data.session!.access_token);
    expect(claims.aal).toBe('aal2');
    expect(claims.amr).toEqual([
      { method: 'totp', timestamp: expect.any(Number) },
      { method: 'password', timestamp: expect.any(Number) },
    ]);
    expect(claims.session_id).toBe(first.session_id);
    expect(data!.refresh_token).not.toBe(before.data.session!.refresh_token);
    expect(data!.user.factors).toEqual([
      expect.objectContaining({ id: factorId, status: 'verified' }),
    ]);
    const level = await client.auth.mfa.getAuthenticatorAssuranceLevel();
    expect(level.data).toMatchObject({ currentLevel: 'aal2', nextLevel: 'aal2' });
    expect(double().lastRequest({ authPath: `/factors/${factorId}/verify` })?.body).toEqual({
      challenge_id: challenge!.id,
      code: double().totpCode(secret),
    });
  });

  it('makes the pre-MFA refresh token count as reused', async () => {
    const { client, factorId, secret } = await enrolled();
    const before = (await client.auth.getSession()).data.session!;
    await client.auth.mfa.challengeAndVerify({ factorId, code: double().totpCode(secret) });
    const { error } = await createSdkClient(double()).auth.refreshSession({
      refresh_token: before.refresh_token,
    });
    expect(error).toMatchObject({ status: 400, code: 'refresh_token_already_used' });
  });

  it('keeps aal2 and the amr through a refresh', async () => {
    const { client, factorId, secret } = await enrolled();
    const { data } = await client.auth.mfa.challengeAndVerify({
      factorId,
      code: double().totpCode(secret),
    });
    const refreshed = await createSdkClient(double()).auth.refreshSession({
      refresh_token: data!.refresh_token,
    });
    expect(decodeJwt(refreshed.data.session!.access_token)).toMatchObject({
      aal: 'aal2',
      amr: decodeJwt(data!.access_token).amr,
    });
  });

  it('ends the user other aal1 sessions and other unverified factors', async () => {
    const { client, factorId, secret } = await enrolled();
    const other = await signInSession(double(), 'ada@example.com', 'pw-123456');
    await client.auth.mfa.enroll({ factorType: 'totp', friendlyName: 'Spare' });
    await client.auth.mfa.challengeAndVerify({ factorId, code: double().totpCode(secret) });
    expect(double().sessionIds('ada@example.com')).toEqual([
      decodeJwt(await accessToken(client)).session_id,
    ]);
    const gone = await createSdkClient(double()).auth.getUser(other.access_token);
    expect(gone.error?.name).toBe('AuthSessionMissingError');
    expect(
      double()
        .factors('ada@example.com')
        .map((f) => f.id),
    ).toEqual([factorId]);
  });

  it('accepts the codes of the previous and next 30 s steps, not two steps away', async () => {
    // Mid-step, so no step boundary passes between computing a code and checking it.
    double().setClockOffset(15_000 - (Date.now() % 30_000));
    const { client, factorId, secret } = await enrolled();
    const tryCode = async (offsetMs: number) =>
      (
        await client.auth.mfa.challengeAndVerify({
          factorId,
          code: double().totpCode(secret, offsetMs),
        })
      ).error;
    expect(await tryCode(-60_000)).toMatchObject({ status: 422, code: 'mfa_verification_failed' });
    expect(await tryCode(60_000)).toMatchObject({ status: 422, code: 'mfa_verification_failed' });
    expect(await tryCode(-30_000)).toBeNull();
    expect(await tryCode(30_000)).toBeNull();
  });

  it('refuses a wrong code with 422 mfa_verification_failed and leaves the challenge usable', async () => {
    const { client, factorId, secret } = await enrolled();
    const { data: challenge } = await client.auth.mfa.challenge({ factorId });
    const right = double().totpCode(secret);
    const wrong = right === '000000' ? '111111' : '000000';
    const refused = await client.auth.mfa.verify({
      factorId,
      challengeId: challenge!.id,
      code: wrong,
    });
    expect(refused.error).toMatchObject({ status: 422, code: 'mfa_verification_failed' });
    expect(double().factors('ada@example.com')[0]?.status).toBe('unverified');
    const accepted = await client.auth.mfa.verify({
      factorId,
      challengeId: challenge!.id,
      code: right,
    });
    expect(accepted.error).toBeNull();
  });

  it('refuses a challenge verified once already with mfa_ip_address_mismatch', async () => {
    const { client, factorId, secret } = await enrolled();
    const { data: challenge } = await client.auth.mfa.challenge({ factorId });
    const code = double().totpCode(secret);
    await client.auth.mfa.verify({ factorId, challengeId: challenge!.id, code });
    const again = await client.auth.mfa.verify({ factorId, challengeId: challenge!.id, code });
    expect(again.error).toMatchObject({ status: 422, code: 'mfa_ip_address_mismatch' });
  });

  it('binds the challenge to the request IP', async () => {
    const { client, factorId, secret } = await enrolled();
    const { data: challenge } = await client.auth.mfa.challenge({ factorId });
    const verify = await rawRequest(double(), 'POST', `/factors/${factorId}/verify`, {
      headers: {
        ...v2024,
        authorization: `Bearer ${await accessToken(client)}`,
        'x-forwarded-for': '203.0.113.9',
      },
      body: JSON.stringify({ challenge_id: challenge!.id, code: double().totpCode(secret) }),
    });
    expect(verify.status).toBe(422);
    expect(verify.json).toMatchObject({ code: 'mfa_ip_address_mismatch' });
  });

  it('refuses an expired challenge with mfa_challenge_expired, then as unknown', async () => {
    const { client, factorId, secret } = await enrolled();
    const { data: challenge } = await client.auth.mfa.challenge({ factorId });
    double().advanceClock(301_000);
    const verify = () =>
      client.auth.mfa.verify({
        factorId,
        challengeId: challenge!.id,
        code: double().totpCode(secret),
      });
    expect((await verify()).error).toMatchObject({ status: 422, code: 'mfa_challenge_expired' });
    expect((await verify()).error).toMatchObject({ status: 422, code: 'mfa_factor_not_found' });
  });

  it('answers a missing code 400, a non-UUID challenge 400 bad_json, an unknown one 422', async () => {
    const { client, factorId } = await enrolled();
    const post = async (body: unknown) =>
      rawRequest(double(), 'POST', `/factors/${factorId}/verify`, {
        headers: { ...v2024, authorization: `Bearer ${await accessToken(client)}` },
        body: JSON.stringify(body),
      });
    const noCode = await post({ challenge_id: crypto.randomUUID() });
    expect([noCode.status, noCode.json]).toEqual([
      400,
      expect.objectContaining({ code: 'validation_failed' }),
    ]);
    const badId = await post({ challenge_id: 'nope', code: '123456' });
    expect([badId.status, badId.json]).toEqual([
      400,
      expect.objectContaining({ code: 'bad_json' }),
    ]);
    const unknown = await post({ challenge_id: crypto.randomUUID(), code: '123456' });
    expect([unknown.status, unknown.json]).toEqual([
      422,
      expect.objectContaining({ code: 'mfa_factor_not_found' }),
    ]);
  });
});
