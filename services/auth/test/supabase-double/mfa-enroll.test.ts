// MFA enrolment through supabase-js: POST /factors, factors on the user, and its refusals.
import { decodeJwt } from 'jose';
import { isAuthApiError } from '@supabase/supabase-js';
import { describe, expect, it } from 'vitest';
import { useSupabaseDouble } from './test-support/double-fixture.js';
import {
  createSdkClient,
  rawRequest,
  signedInClient,
  signInSession,
} from './test-support/sdk-clients.js';

const double = useSupabaseDouble();
const v2024 = { 'x-supabase-api-version': '2024-01-01' };

async function adaClient() {
  double().createUser({ email: 'ada@example.com', password: 'pw-123456' });
  return signedInClient(double(), 'ada@example.com', 'pw-123456');
}

describe('enrol a TOTP factor', () => {
  it('returns id, type, friendly name, an SVG, the base32 secret and the otpauth URI', async () => {
    const client = await adaClient();
    const { data, error } = await client.auth.mfa.enroll({
      factorType: 'totp',
      friendlyName: 'Phone',
    });
    expect(error).toBeNull();
    expect(data).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      type: 'totp',
      friendly_name: 'Phone',
      totp: {
        // auth-js prefixes GoTrue's raw SVG markup.
        qr_code: expect.stringMatching(/^data:image\/svg\+xml;utf-8,<\?xml[^]*<svg /),
        secret: expect.stringMatching(/^[A-Z2-7]{32}$/),
        uri: `otpauth://totp/localhost:3000:ada@example.com?algorithm=SHA1&digits=6&issuer=localhost%3A3000&period=30&secret=${data?.totp.secret}`,
      },
    });
    expect(double().lastRequest({ method: 'POST', authPath: '/factors' })?.body).toEqual({
      friendly_name: 'Phone',
      factor_type: 'totp',
    });
  });

  it('uses the issuer sent and keeps an unnamed factor nameless', async () => {
    const client = await adaClient();
    const { data } = await client.auth.mfa.enroll({ factorType: 'totp', issuer: 'AuthFlow' });
    expect(data?.friendly_name).toBe('');
    expect(data?.totp.uri).toMatch(
      /^otpauth:\/\/totp\/AuthFlow:ada@example\.com\?.*issuer=AuthFlow/,
    );
  });

  it('lists the new factor as unverified on GET /user and the admin user, secret never included', async () => {
    const client = await adaClient();
    const { data } = await client.auth.mfa.enroll({ factorType: 'totp', friendlyName: 'Phone' });
    const factor = {
      id: data!.id,
      created_at: expect.any(String),
      updated_at: expect.any(String),
      status: 'unverified',
      friendly_name: 'Phone',
      factor_type: 'totp',
      phone: '',
      last_challenged_at: null,
    };
    const listed = await client.auth.mfa.listFactors();
    expect(listed.data?.all).toEqual([factor]);
    // The typed lists hold verified factors only.
    expect(listed.data?.totp).toEqual([]);
    const user = double().findUser('ada@example.com')!;
    const admin = createSdkClient(double(), { key: 'service' }).auth.admin;
    expect((await admin.getUserById(user.id)).data.user?.factors).toEqual([factor]);
    expect((await admin.mfa.listFactors({ userId: user.id })).data?.factors).toEqual([factor]);
    const { data: stored } = await client.auth.getSession();
    const raw = await rawRequest(double(), 'GET', '/user', {
      headers: { authorization: `Bearer ${stored.session!.access_token}` },
    });
    expect(raw.text).not.toContain(data!.totp.secret);
  });

  it('omits factors on users without any', async () => {
    double().createUser({ email: 'ada@example.com', password: 'pw-123456' });
    const session = await signInSession(double(), 'ada@example.com', 'pw-123456');
    expect(session.user).not.toHaveProperty('factors');
    expect(decodeJwt(session.access_token)).toMatchObject({
      aal: 'aal1',
      amr: [{ method: 'password', timestamp: expect.any(Number) }],
    });
  });

  it('refuses an unknown factor type with 400 and phone factors as not enabled', async () => {
    const client = await adaClient();
    const { data } = await client.auth.getSession();
    const post = (body: unknown) =>
      rawRequest(double(), 'POST', '/factors', {
        headers: { ...v2024, authorization: `Bearer ${data.session!.access_token}` },
        body: JSON.stringify(body),
      });
    expect((await post({ factor_type: 'sms' })).json).toMatchObject({ code: 'validation_failed' });
    const phone = await post({ factor_type: 'phone', phone: '+15555550100' });
    expect(phone.status).toBe(422);
    expect(phone.json).toMatchObject({ code: 'mfa_phone_enroll_not_enabled' });
  });

  it('refuses a friendly name the user already has, the empty one included', async () => {
    const client = await adaClient();
    await client.auth.mfa.enroll({ factorType: 'totp', friendlyName: 'Phone' });
    const named = await client.auth.mfa.enroll({ factorType: 'totp', friendlyName: 'Phone' });
    expect(isAuthApiError(named.error)).toBe(true);
    expect(named.error).toMatchObject({ status: 422, code: 'mfa_factor_name_conflict' });
    await client.auth.mfa.enroll({ factorType: 'totp' });
    const unnamed = await client.auth.mfa.enroll({ factorType: 'totp' });
    expect(unnamed.error).toMatchObject({ status: 422, code: 'mfa_factor_name_conflict' });
  });

  it('refuses a new factor on an aal1 session once a verified factor exists (403 insufficient_aal)', async () => {
    const client = await adaClient();
    double().createTotpFactor('ada@example.com', { friendlyName: 'Old', verified: true });
    const { error } = await client.auth.mfa.enroll({ factorType: 'totp', friendlyName: 'New' });
    expect(error).toMatchObject({ status: 403, code: 'insufficient_aal' });
  });

  it('purges unverified factors never challenged once the factor expiry has passed', async () => {
    const client = await adaClient();
    await client.auth.mfa.enroll({ factorType: 'totp', friendlyName: 'Phone' });
    double().advanceClock(301_000);
    // The same name is free again: the stale factor went before the conflict check.
    const { error } = await client.auth.mfa.enroll({ factorType: 'totp', friendlyName: 'Phone' });
    expect(error).toBeNull();
    expect(double().factors('ada@example.com')).toHaveLength(1);
  });

  it('stops at the enrolled-factor cap with too_many_enrolled_mfa_factors', async () => {
    double().configure({ mfaMaxEnrolledFactors: 1 });
    const client = await adaClient();
    await client.auth.mfa.enroll({ factorType: 'totp', friendlyName: 'One' });
    const { error } = await client.auth.mfa.enroll({ factorType: 'totp', friendlyName: 'Two' });
    expect(error).toMatchObject({ status: 422, code: 'too_many_enrolled_mfa_factors' });
  });
});
