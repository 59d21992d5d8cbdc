// Second factors with Supabase Auth as the identity provider, through the real gateway: the
// authenticator app lives in Supabase (its MFA API, spoken by the wire double), recovery codes
// are AuthFlow's.
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chromeOnMac } from '@authflow/testing';
import type { BrowserClient, Response } from './support/browser-client.js';
import { type Stack, startStack, supabaseAuthEnv } from './support/stack-harness.js';
import { startSupabaseDouble, type SupabaseDouble } from './supabase-double/supabase-double.js';

let double: SupabaseDouble;
let stack: Stack;
const PASSWORD = 'correct horse battery staple';
const JSON_ACCEPT = { accept: 'application/json' };

beforeAll(async () => {
  double = await startSupabaseDouble({ settings: { autoconfirm: true } });
  stack = await startStack({
    redisUrl: inject('redisUrl'),
    authEnv: supabaseAuthEnv(double),
  });
}, 60_000);
afterAll(async () => {
  await stack.close();
  await double.close();
});

const body = (response: Response) => JSON.parse(response.body) as Record<string, unknown>;

async function signedIn(email: string): Promise<BrowserClient> {
  const browser = stack.browser(chromeOnMac.headers);
  expect(
    (await browser.post('/api/v1/simple_auth/signup', { json: { email, password: PASSWORD } }))
      .status,
  ).toBe(202);
  expect(
    (await browser.post('/api/v1/simple_auth/signin', { json: { email, password: PASSWORD } }))
      .status,
  ).toBe(200);
  return browser;
}

describe('second factors with Supabase Auth', () => {
  it('enrolls an authenticator in Supabase, then signs in with password and code at aal2', async () => {
    const email = `supa-mfa-${Date.now()}@example.com`;
    const browser = await signedIn(email);
    const begun = await browser.post('/api/v1/simple_auth/mfa/totp', { json: { label: 'Phone' } });
    expect(begun.status).toBe(201);
    const { factor_id: factorId, secret } = body(begun) as Record<string, string>;
    const confirmed = await browser.post(`/api/v1/simple_auth/mfa/totp/${factorId}/confirm`, {
      json: { code: double.totpCode(secret ?? '') },
    });
    expect(confirmed.status).toBe(200);
    const recoveryCodes = body(confirmed).recovery_codes as string[];
    expect(recoveryCodes).toHaveLength(10);
    // The factor is Supabase's: verified there, not in AuthFlow's database.
    expect(double.factors(email)).toEqual([
      expect.objectContaining({ id: factorId, status: 'verified' }),
    ]);

    const next = stack.browser(chromeOnMac.headers);
    const first = await next.post('/api/v1/simple_auth/signin', {
      json: { email, password: PASSWORD },
    });
    expect(first.status).toBe(202);
    expect(body(first)).toMatchObject({ mfa_required: true, factors: ['totp', 'recovery'] });
    const wrong = await next.post('/api/v1/simple_auth/mfa/challenge', {
      json: { method: 'totp', code: '000000' },
    });
    expect(wrong.status).toBe(401);
    const passed = await next.post('/api/v1/simple_auth/mfa/challenge', {
      json: { method: 'totp', code: double.totpCode(secret ?? '', 30_000) },
    });
    expect(passed.status).toBe(200);
    expect(body(passed)).toMatchObject({ aal: 'aal2' });
    expect((await next.get('/app/', JSON_ACCEPT)).status).toBe(200);
    const claims = decodeJwt(
      String(stack.backend.received.at(-1)?.headers['x-authflow-assertion']),
    );
    expect(claims.aal).toBe('aal2');
    expect(claims.amr).toEqual(expect.arrayContaining(['pwd', 'otp']));

    // AuthFlow's recovery codes work with Supabase too, once.
    const lost = stack.browser(chromeOnMac.headers);
    await lost.post('/api/v1/simple_auth/signin', { json: { email, password: PASSWORD } });
    const recovered = await lost.post('/api/v1/simple_auth/mfa/challenge', {
      json: { method: 'recovery', code: recoveryCodes[0] },
    });
    expect(recovered.status).toBe(200);
  });
});
