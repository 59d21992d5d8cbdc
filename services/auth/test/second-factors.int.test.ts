// Second factors over HTTP through the real gateway (real Redis, PGlite): TOTP, recovery codes,
// email codes, the pending sign-in, trusted devices, step-up, and recent-factor checks.
import { readFile } from 'node:fs/promises';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import { generateTotp } from '../src/mfa/builtin/totp.js';
import type { BrowserClient, Response } from './support/browser-client.js';
import { mailedToken, type Stack, startStack } from './support/stack-harness.js';

const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'tr0ub4dor & 3 green apples';
const LAPTOP = {
  'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
  'accept-language': 'en-GB',
};
const PHONE = {
  'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1',
  'accept-language': 'fr-FR',
};
const JSON_ACCEPT = { accept: 'application/json' };

let stack: Stack;
/** The auth service's clock runs ahead by this much: each TOTP code can come from a new step. */
let offsetMs = 0;
const now = () => Date.now() + offsetMs;

beforeAll(async () => {
  const routes = parse(
    await readFile(new URL('../../gateway/config/routes.yaml', import.meta.url), 'utf8'),
  ) as { routes: unknown[] };
  // A step-up route: the sample application's settings need a second factor.
  routes.routes.push({
    prefix: '/app/settings/',
    upstream: 'sample-backend',
    access: 'protected',
    mode: 'auto',
    aal: 'aal2',
  });
  stack = await startStack({
    redisUrl: inject('redisUrl'),
    gatewayRoutes: routes,
    authEnv: { AUTH_LOGIN_MAX_FAILURES_PER_IP: '10000' },
    authDependencies: { clock: now },
  });
}, 60_000);
afterAll(async () => {
  await stack.close();
});

let counter = 0;
const uniqueEmail = (label: string) => `mfa-${label}-${Date.now()}-${(counter += 1)}@example.com`;

async function confirmedAccount(label: string): Promise<string> {
  const email = uniqueEmail(label);
  const browser = stack.browser(LAPTOP);
  await browser.post('/api/v1/simple_auth/signup', { json: { email, password: PASSWORD } });
  const token = await mailedToken(stack.smtp, email, '/verify-email');
  const verified = await browser.get(
    `/api/v1/simple_auth/verify-email?token=${token}`,
    JSON_ACCEPT,
  );
  expect(verified.status).toBe(200);
  return email;
}

function body(response: Response): Record<string, unknown> {
  return JSON.parse(response.body) as Record<string, unknown>;
}

function errorCode(response: Response): unknown {
  return (body(response).error as { code?: unknown } | undefined)?.code;
}

async function signIn(
  browser: BrowserClient,
  email: string,
  password = PASSWORD,
): Promise<Response> {
  return browser.post('/api/v1/simple_auth/signin', { json: { email, password } });
}

/** A code from the next time step (the service clock moves on 30 s each time). */
function nextCode(secret: string): string {
  offsetMs += 30_000;
  return generateTotp(secret, now());
}

function challenge(
  browser: BrowserClient,
  method: 'totp' | 'email' | 'recovery',
  code: string,
  extra: Record<string, unknown> = {},
): Promise<Response> {
  return browser.post('/api/v1/simple_auth/mfa/challenge', { json: { method, code, ...extra } });
}

/** An account with an active authenticator app; returns its secret and recovery codes. */
async function enrolled(label: string, profile = LAPTOP) {
  const email = await confirmedAccount(label);
  const browser = stack.browser(profile);
  expect((await signIn(browser, email)).status).toBe(200);
  const begun = await browser.post('/api/v1/simple_auth/mfa/totp', { json: { label: 'Phone' } });
  expect(begun.status).toBe(201);
  const { factor_id: factorId, secret, uri, qr_svg: qr } = body(begun) as Record<string, string>;
  expect(uri).toMatch(/^otpauth:\/\/totp\//u);
  expect(qr).toMatch(/^<svg/u);
  const confirmed = await browser.post(`/api/v1/simple_auth/mfa/totp/${factorId}/confirm`, {
    json: { code: nextCode(secret ?? '') },
  });
  expect(confirmed.status).toBe(200);
  const recoveryCodes = body(confirmed).recovery_codes as string[];
  expect(recoveryCodes).toHaveLength(10);
  return { email, secret: secret ?? '', factorId: factorId ?? '', recoveryCodes, browser };
}

function assertionOfLastBackendRequest(): Record<string, unknown> {
  const last = stack.backend.received.at(-1);
  return decodeJwt(String(last?.headers['x-authflow-assertion']));
}

describe('second factors', () => {
  it('asks for the code after the password, then opens an aal2 session with otp in amr', async () => {
    const { email, secret } = await enrolled('totp');
    const browser = stack.browser(LAPTOP);
    const first = await signIn(browser, email);
    expect(first.status).toBe(202);
    expect(body(first)).toMatchObject({ mfa_required: true, factors: ['totp', 'recovery'] });
    // A pending sign-in is not a session: nothing behind the gateway opens yet.
    expect((await browser.get('/app/', JSON_ACCEPT)).status).toBe(401);
    const wrong = await challenge(browser, 'totp', '000000');
    expect(wrong.status).toBe(401);
    expect(body(wrong)).toMatchObject({ error: { code: 'invalid_code', attempts_left: 4 } });
    const passed = await challenge(browser, 'totp', nextCode(secret));
    expect(passed.status).toBe(200);
    expect(body(passed)).toMatchObject({ aal: 'aal2', redirect_to: '/app/' });
    expect((await browser.get('/app/', JSON_ACCEPT)).status).toBe(200);
    const claims = assertionOfLastBackendRequest();
    expect(claims.aal ?? claims.acr).toBe('aal2');
    expect(claims.amr).toEqual(expect.arrayContaining(['pwd', 'otp']));
  });

  it('refuses a TOTP code used once already (replay inside its window)', async () => {
    const { email, secret } = await enrolled('replay');
    const code = nextCode(secret);
    const first = stack.browser(LAPTOP);
    await signIn(first, email);
    expect((await challenge(first, 'totp', code)).status).toBe(200);
    const second = stack.browser(LAPTOP);
    await signIn(second, email);
    const replayed = await challenge(second, 'totp', code);
    expect(replayed.status).toBe(401);
    expect(errorCode(replayed)).toBe('invalid_code');
  });

  it('accepts a recovery code once, mails the owner, and a new set invalidates the old one', async () => {
    const { email, recoveryCodes } = await enrolled('recovery');
    const [firstCode = '', secondCode = '', thirdCode = ''] = recoveryCodes;
    const browser = stack.browser(LAPTOP);
    await signIn(browser, email);
    const used = await challenge(browser, 'recovery', firstCode);
    expect(used.status).toBe(200);
    expect(body(used)).toMatchObject({ recovery_codes_left: 9 });
    await stack.smtp.waitForMessage(
      (message) => message.to.includes(email) && /recovery code/iu.test(message.subject),
    );
    const again = stack.browser(LAPTOP);
    await signIn(again, email);
    expect(errorCode(await challenge(again, 'recovery', firstCode))).toBe('invalid_code');

    // The session is fresh from a second factor: a new set may be made.
    const regenerated = await browser.post('/api/v1/simple_auth/mfa/recovery-codes', { json: {} });
    expect(regenerated.status).toBe(200);
    const fresh = body(regenerated).recovery_codes as string[];
    expect(fresh).toHaveLength(10);
    expect(errorCode(await challenge(again, 'recovery', secondCode))).toBe('invalid_code');
    expect((await challenge(again, 'recovery', fresh[0] ?? '')).status).toBe(200);
    expect(thirdCode).not.toBe('');
  });

  it('ends the pending sign-in after 5 wrong codes', async () => {
    const { email, secret } = await enrolled('five');
    const browser = stack.browser(LAPTOP);
    await signIn(browser, email);
    const answers: unknown[] = [];
    for (let attempt = 0; attempt < 5; attempt += 1)
      answers.push(errorCode(await challenge(browser, 'totp', '000000')));
    expect(answers).toEqual([
      'invalid_code',
      'invalid_code',
      'invalid_code',
      'invalid_code',
      'mfa_pending_invalid',
    ]);
    const late = await challenge(browser, 'totp', nextCode(secret));
    expect(late.status).toBe(401);
    expect(errorCode(late)).toBe('mfa_pending_invalid');
  });

  it('completes a pending sign-in only from the device that gave the password', async () => {
    const { email, secret } = await enrolled('device');
    const laptop = stack.browser(LAPTOP);
    await signIn(laptop, email);
    const phone = stack.browser(PHONE);
    for (const [name, value] of laptop.jar) phone.jar.set(name, value);
    const stolen = await challenge(phone, 'totp', nextCode(secret));
    expect(stolen.status).toBe(401);
    expect(errorCode(stolen)).toBe('mfa_pending_invalid');
    expect((await challenge(laptop, 'totp', nextCode(secret))).status).toBe(200);
  });

  it('skips the challenge with a trusted-device cookie only on that device and account', async () => {
    const { email, secret } = await enrolled('trusted');
    const laptop = stack.browser(LAPTOP);
    await signIn(laptop, email);
    const trusted = await challenge(laptop, 'totp', nextCode(secret), { trust_device: true });
    expect(trusted.status).toBe(200);
    const trustCookie = [...laptop.jar].find(([name]) => name.includes('trusted_device'));
    expect(trustCookie).toBeDefined();
    const [cookieName, cookieValue] = trustCookie ?? ['', ''];

    const later = stack.browser(LAPTOP);
    later.jar.set(cookieName, cookieValue);
    const skipped = await signIn(later, email);
    expect(skipped.status).toBe(200);

    const phone = stack.browser(PHONE);
    phone.jar.set(cookieName, cookieValue);
    expect((await signIn(phone, email)).status).toBe(202);

    const { email: otherEmail } = await enrolled('trusted-other');
    const other = stack.browser(LAPTOP);
    other.jar.set(cookieName, cookieValue);
    expect((await signIn(other, otherEmail)).status).toBe(202);

    const listed = await laptop.get('/api/v1/simple_auth/mfa/trusted-devices', JSON_ACCEPT);
    expect(body(listed).trusted_devices).toHaveLength(1);
    // Listed, and revocable, on the sessions page too.
    const sessionsPage = await laptop.get('/auth/sessions', { accept: 'text/html' });
    expect(sessionsPage.body).toContain('Trusted devices');
    expect(sessionsPage.body).toContain('Firefox');
  });

  it('ends trusted devices when the password is reset', async () => {
    const { email, secret } = await enrolled('reset');
    const laptop = stack.browser(LAPTOP);
    await signIn(laptop, email);
    await challenge(laptop, 'totp', nextCode(secret), { trust_device: true });
    const cookies = new Map(laptop.jar);

    const anyone = stack.browser(LAPTOP);
    await anyone.post('/api/v1/simple_auth/forgot-password', { json: { email } });
    const token = await mailedToken(stack.smtp, email, '/reset-password');
    const reset = await anyone.post('/api/v1/simple_auth/reset-password/update', {
      json: { token, password: NEW_PASSWORD },
    });
    expect(reset.status).toBe(200);

    const back = stack.browser(LAPTOP);
    for (const [name, value] of cookies)
      if (name.includes('trusted_device')) back.jar.set(name, value);
    expect((await signIn(back, email, NEW_PASSWORD)).status).toBe(202);
  });

  it('sends an aal1 session on a step-up route to the challenge, then lets the raised session through', async () => {
    const { email, secret } = await enrolled('stepup');
    // A trusted device signs in with the password alone: an aal1 session.
    const laptop = stack.browser(LAPTOP);
    await signIn(laptop, email);
    await challenge(laptop, 'totp', nextCode(secret), { trust_device: true });
    const trustedOnly = stack.browser(LAPTOP);
    for (const [name, value] of laptop.jar)
      if (name.includes('trusted_device')) trustedOnly.jar.set(name, value);
    expect((await signIn(trustedOnly, email)).status).toBe(200);

    const page = await trustedOnly.get('/app/settings/', { accept: 'text/html' });
    expect(page.status).toBe(302);
    expect(String(page.headers.location)).toMatch(/^\/auth\/mfa\?next=/u);
    const api = await trustedOnly.get('/app/settings/', JSON_ACCEPT);
    expect(api.status).toBe(403);
    expect(errorCode(api)).toBe('mfa_required');
    // Sensitive changes need the second factor too.
    const refused = await trustedOnly.post('/api/v1/simple_auth/mfa/recovery-codes', { json: {} });
    expect(refused.status).toBe(403);
    expect(errorCode(refused)).toBe('mfa_required');

    const before = new Map(trustedOnly.jar);
    const raised = await challenge(trustedOnly, 'totp', nextCode(secret));
    expect(raised.status).toBe(200);
    expect(body(raised)).toMatchObject({ aal: 'aal2' });
    const through = await trustedOnly.get('/app/settings/', JSON_ACCEPT);
    expect(through.status).toBe(200);
    expect(assertionOfLastBackendRequest().amr).toEqual(expect.arrayContaining(['otp']));

    // The cookie from before the upgrade is dead at once.
    const old = stack.browser(LAPTOP);
    for (const [name, value] of before) old.jar.set(name, value);
    const stale = await old.get('/app/', JSON_ACCEPT);
    expect(stale.status).toBe(401);
  });

  it('signs in with a code by email when that factor is on', async () => {
    const email = await confirmedAccount('email');
    const browser = stack.browser(LAPTOP);
    await signIn(browser, email);
    const on = await browser.post('/api/v1/simple_auth/mfa/email', { json: {} });
    expect(on.status).toBe(200);
    expect(body(on).recovery_codes).toHaveLength(10);

    const next = stack.browser(LAPTOP);
    const first = await signIn(next, email);
    expect(body(first)).toMatchObject({ mfa_required: true, factors: ['email', 'recovery'] });
    const sent = await next.post('/api/v1/simple_auth/mfa/email-code', { json: {} });
    expect(sent.status).toBe(202);
    const mail = await stack.smtp.waitForMessage(
      (message) => message.to.includes(email) && /\b\d{6}\b/u.test(message.text),
    );
    const code = /\b(\d{6})\b/u.exec(mail.text)?.[1] ?? '';
    // Asking again at once is throttled.
    const resend = await next.post('/api/v1/simple_auth/mfa/email-code', { json: {} });
    expect(resend.status).toBe(429);
    expect(resend.headers['retry-after']).toBeDefined();
    const passed = await challenge(next, 'email', code);
    expect(passed.status).toBe(200);
    expect(body(passed)).toMatchObject({ aal: 'aal2' });
    // Single use.
    const again = stack.browser(LAPTOP);
    await signIn(again, email);
    expect(errorCode(await challenge(again, 'email', code))).toBe('invalid_code');
  });

  it('counts wrong codes in the sign-in throttle, across sign-ins with the right password', async () => {
    const { email, secret } = await enrolled('throttle');
    const statuses: number[] = [];
    // Each pending sign-in allows 5 attempts; signing in again with the right password does not
    // reset the count of wrong codes: the (account, IP) limit stops the sixth wrong code.
    for (let round = 0; round < 2; round += 1) {
      const browser = stack.browser(LAPTOP);
      expect((await signIn(browser, email)).status).toBe(202);
      for (let attempt = 0; attempt < 3; attempt += 1)
        statuses.push((await challenge(browser, 'totp', '000000')).status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    // While the wait runs, even the right code is refused, with when to try again.
    const blocked = stack.browser(LAPTOP);
    await signIn(blocked, email);
    const answer = await challenge(blocked, 'totp', nextCode(secret));
    expect(answer.status).toBe(429);
    expect(answer.headers['retry-after']).toBeDefined();
  });
});
