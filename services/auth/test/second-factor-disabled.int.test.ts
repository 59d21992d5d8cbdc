// An account disabled by an administrator between the password and the second factor gets no
// session: the code is right, the sign-in still ends with account_disabled.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPgliteDatabase, type Database } from '../src/identity/builtin/database.js';
import { BuiltinUserDirectory } from '../src/identity/builtin/builtin-user-directory.js';
import { generateTotp } from '../src/mfa/builtin/totp.js';
import { mailedToken, type Stack, startStack } from './support/stack-harness.js';

const PASSWORD = 'correct horse battery staple';
const LAPTOP = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0' };
let stack: Stack;
let db: Database;
let offsetMs = 0;
const now = () => Date.now() + offsetMs;

beforeAll(async () => {
  db = await createPgliteDatabase('memory://');
  stack = await startStack({
    redisUrl: inject('redisUrl'),
    authDependencies: { database: db, clock: now },
  });
}, 60_000);
afterAll(async () => {
  await stack.close();
});

describe('a disabled account and a pending second factor', () => {
  it('refuses the right code once an administrator has disabled the account', async () => {
    const email = `mfa-disabled-${Date.now()}@example.com`;
    const browser = stack.browser(LAPTOP);
    await browser.post('/api/v1/simple_auth/signup', { json: { email, password: PASSWORD } });
    const token = await mailedToken(stack.smtp, email, '/verify-email');
    await browser.get(`/api/v1/simple_auth/verify-email?token=${token}`, {
      accept: 'application/json',
    });
    await browser.post('/api/v1/simple_auth/signin', { json: { email, password: PASSWORD } });
    const begun = await browser.post('/api/v1/simple_auth/mfa/totp', { json: {} });
    const { factor_id: factorId, secret } = JSON.parse(begun.body) as Record<string, string>;
    offsetMs += 30_000;
    const confirmed = await browser.post(`/api/v1/simple_auth/mfa/totp/${factorId}/confirm`, {
      json: { code: generateTotp(secret ?? '', now()) },
    });
    expect(confirmed.status).toBe(200);

    const next = stack.browser(LAPTOP);
    const first = await next.post('/api/v1/simple_auth/signin', {
      json: { email, password: PASSWORD },
    });
    expect(first.status).toBe(202);
    const directory = new BuiltinUserDirectory({ db });
    const user = await directory.findByEmail(email);
    await directory.setDisabled(user?.id ?? '', true);
    offsetMs += 30_000;
    const refused = await next.post('/api/v1/simple_auth/mfa/challenge', {
      json: { method: 'totp', code: generateTotp(secret ?? '', now()) },
    });
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toMatchObject({ error: { code: 'account_disabled' } });
    expect((await next.get('/app/', { accept: 'application/json' })).status).toBe(401);
  });
});
