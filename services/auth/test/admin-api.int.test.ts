// The admin API through the real gateway (real Redis, PGlite): who may use it, listing while
// people sign up, live roles on existing sessions, disabling, and the audit trail of it all.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { AdminContextOpener } from '../src/cli/admin-context.js';
import { AdminService } from '../src/admin/admin-service.js';
import { SqlAuditStore } from '../src/audit/sql-audit-store.js';
import { BufferedAuditSink } from '../src/cli/buffered-audit-sink.js';
import { runAdminCli } from '../src/cli/admin-program.js';
import { BuiltinUserDirectory } from '../src/identity/builtin/builtin-user-directory.js';
import { createPgliteDatabase, type Database } from '../src/identity/builtin/database.js';
import { generateTotp } from '../src/mfa/builtin/totp.js';
import type { BrowserClient, Response } from './support/browser-client.js';
import { mailedToken, type Stack, startStack } from './support/stack-harness.js';

const PASSWORD = 'correct horse battery staple';
const LAPTOP = {
  'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
  'accept-language': 'en-GB',
};
const PHONE = {
  'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1',
  'accept-language': 'fr-FR',
};
const JSON_ACCEPT = { accept: 'application/json' };
const ADMIN_API = '/api/v1/admin';
/** A part of the admin API the routes file forgot to guard: a mistake auth must still catch. */
const UNGUARDED = `${ADMIN_API}/policy/`;

let stack: Stack;
let db: Database;
/** The auth service's clock runs ahead by this much: each TOTP code can come from a new step. */
let offsetMs = 0;
const now = () => Date.now() + offsetMs;

beforeAll(async () => {
  const routes = parse(
    await readFile(new URL('../../gateway/config/routes.yaml', import.meta.url), 'utf8'),
  ) as { roles?: string[]; routes: Record<string, unknown>[] };
  routes.roles = [...new Set([...(routes.roles ?? []), 'admin', 'member'])];
  if (!routes.routes.some((route) => route.prefix === `${ADMIN_API}/`))
    routes.routes.push({
      prefix: `${ADMIN_API}/`,
      upstream: 'auth',
      access: 'protected',
      mode: 'api',
      allow: { roles: ['admin'] },
      aal: 'aal2',
    });
  routes.routes.push(
    { prefix: UNGUARDED, upstream: 'auth', access: 'protected', mode: 'api' },
    // An admin-only page of the application: roles only, no second factor asked.
    {
      prefix: '/app/admin-only/',
      upstream: 'sample-backend',
      access: 'protected',
      mode: 'api',
      allow: { roles: ['admin'] },
    },
  );
  const routesFile = join(await mkdtemp(join(tmpdir(), 'admin-api-routes-')), 'routes.yaml');
  await writeFile(routesFile, stringify(routes));
  // Auth's database is one this test can also hand to the CLI's code (PGlite: one opener).
  db = await createPgliteDatabase('memory://');
  stack = await startStack({
    redisUrl: inject('redisUrl'),
    gatewayRoutes: routes,
    authEnv: {
      AUTH_LOGIN_MAX_FAILURES_PER_IP: '10000',
      AUTH_ROUTES_FILE: routesFile,
    },
    authDependencies: { clock: now, database: db },
  });
}, 60_000);
afterAll(async () => {
  await stack.close();
});

let counter = 0;
const uniqueEmail = (label: string) => `admin-${label}-${Date.now()}-${(counter += 1)}@example.com`;

function body(response: Response): Record<string, unknown> {
  return JSON.parse(response.body) as Record<string, unknown>;
}

function errorCode(response: Response): unknown {
  return (body(response).error as { code?: unknown } | undefined)?.code;
}

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

async function signedIn(email: string, profile = LAPTOP): Promise<BrowserClient> {
  const browser = stack.browser(profile);
  const response = await browser.post('/api/v1/simple_auth/signin', {
    json: { email, password: PASSWORD },
  });
  expect(response.status).toBe(200);
  return browser;
}

/** A code from the next time step (the service clock moves on 30 s each time). */
function nextCode(secret: string): string {
  offsetMs += 30_000;
  return generateTotp(secret, now());
}

/** An account with an authenticator app, signed in with it: an aal2 session. */
async function secondFactorSession(
  label: string,
): Promise<{ email: string; browser: BrowserClient }> {
  const email = await confirmedAccount(label);
  const enrolling = await signedIn(email);
  const begun = await enrolling.post('/api/v1/simple_auth/mfa/totp', { json: { label: 'Phone' } });
  expect(begun.status).toBe(201);
  const { factor_id: factorId, secret = '' } = body(begun) as Record<string, string>;
  const confirmed = await enrolling.post(`/api/v1/simple_auth/mfa/totp/${factorId}/confirm`, {
    json: { code: nextCode(secret) },
  });
  expect(confirmed.status).toBe(200);
  const browser = stack.browser(LAPTOP);
  const first = await browser.post('/api/v1/simple_auth/signin', {
    json: { email, password: PASSWORD },
  });
  expect(first.status).toBe(202);
  const passed = await browser.post('/api/v1/simple_auth/mfa/challenge', {
    json: { method: 'totp', code: nextCode(secret) },
  });
  expect(body(passed)).toMatchObject({ aal: 'aal2' });
  return { email, browser };
}

/** The CLI's code on this stack's stores: the database auth holds, and the same Redis. */
const cliOpener: AdminContextOpener = () => {
  const audit = new BufferedAuditSink(new SqlAuditStore(db));
  const service = new AdminService({
    directory: new BuiltinUserDirectory({ db }),
    store: stack.gateway.store,
    audit,
    auditLog: new SqlAuditStore(db),
  });
  return Promise.resolve({
    service,
    actor: { id: 'cli:operator', source: 'cli' },
    sessions: 'redis',
    config: stack.authConfig,
    flush: () => audit.flush(),
    close: () => audit.flush(),
  });
};

async function cli(...args: string[]): Promise<number> {
  return runAdminCli(
    args,
    { stdout: () => undefined, stderr: () => undefined, env: {}, osUser: 'operator' },
    cliOpener,
  );
}

/** Polls `check` until it holds; resolves how long that took. */
async function within(limitMs: number, check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > limitMs) throw new Error(`not within ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return Date.now() - started;
}

interface UserJson {
  id: string;
  email: string;
  roles: string[];
  disabled: boolean;
}

let admin: { email: string; browser: BrowserClient; id: string };

describe('the admin API', () => {
  it('is reached by an admin made through the CLI, with a second factor', async () => {
    const { email, browser } = await secondFactorSession('boss');
    expect(errorCode(await browser.get(`${ADMIN_API}/users`))).toBe('forbidden');
    expect(await cli('users', 'roles', 'set', email, 'admin', 'member')).toBe(0);
    // The session the admin already has now carries the role (no new sign-in).
    await within(
      1_000,
      async () => (await browser.get(`${ADMIN_API}/users?limit=1`)).status === 200,
    );
    const found = body(await browser.get(`${ADMIN_API}/users?search=${encodeURIComponent(email)}`));
    const [user] = found.users as UserJson[];
    expect(user).toMatchObject({ email, roles: ['admin', 'member'], disabled: false });
    admin = { email, browser, id: user?.id ?? '' };
  }, 30_000);

  it('refuses members (403 at the gateway, and at auth itself), step-up and strangers', async () => {
    const member = await signedIn(await confirmedAccount('member'));
    const refused = await member.get(`${ADMIN_API}/users`);
    expect(refused.status).toBe(403);
    expect(errorCode(refused)).toBe('forbidden');
    // Through a route the routes file forgot to guard, auth still refuses a non-admin.
    const explain = `${UNGUARDED}explain?path=/app/&user=${encodeURIComponent(admin.email)}`;
    const unguarded = await member.get(explain);
    expect(unguarded.status).toBe(403);
    expect(errorCode(unguarded)).toBe('forbidden');
    expect((await admin.browser.get(explain)).status).toBe(200);
    const stranger = await stack.browser(LAPTOP).get(`${ADMIN_API}/users`);
    expect(stranger.status).toBe(401);
    // An admin without a second factor is asked for one.
    const email = await confirmedAccount('weak-admin');
    expect(await cli('users', 'roles', 'set', email, 'admin')).toBe(0);
    const weak = await signedIn(email);
    expect(errorCode(await weak.get(`${ADMIN_API}/users`))).toBe('mfa_required');
  }, 30_000);

  it('lists users a page at a time, stable while others sign up', async () => {
    const before = await Promise.all(
      ['a', 'b', 'c', 'd', 'e'].map((label) => confirmedAccount(`page-${label}`)),
    );
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string =
        cursor === null ? 'limit=3' : `limit=3&cursor=${encodeURIComponent(cursor)}`;
      const [page] = await Promise.all([
        admin.browser.get(`${ADMIN_API}/users?${query}`),
        // Someone signs up between every two pages.
        confirmedAccount(`during-${pages}`),
      ]);
      expect(page.status).toBe(200);
      const parsed = body(page) as { users: UserJson[]; next_cursor: string | null };
      seen.push(...parsed.users.map((user) => user.email));
      cursor = parsed.next_cursor;
      pages += 1;
    } while (cursor !== null);
    expect(new Set(seen).size).toBe(seen.length);
    for (const email of [...before, admin.email]) expect(seen).toContain(email);
    expect(pages).toBeGreaterThan(2);
  }, 60_000);

  it('gives the existing session of a member the admin role within a second, and takes it back', async () => {
    const email = await confirmedAccount('promoted');
    const member = await signedIn(email, PHONE);
    expect((await member.get('/app/admin-only/')).status).toBe(403);
    const { user } = body(await member.get('/api/v1/simple_auth/me')) as { user: UserJson };
    const granted = await admin.browser.send('PUT', `${ADMIN_API}/users/${user.id}/roles`, {
      json: { roles: ['member', 'admin'] },
    });
    expect(granted.status).toBe(200);
    expect(body(granted)).toMatchObject({
      user: { roles: ['admin', 'member'] },
      updated_sessions: 1,
    });
    const grantedAfter = await within(
      1_000,
      async () => (await member.get('/app/admin-only/')).status === 200,
    );
    expect(grantedAfter).toBeLessThan(1_000);
    const revoked = await admin.browser.send('PUT', `${ADMIN_API}/users/${user.id}/roles`, {
      json: { roles: ['member'] },
    });
    expect(revoked.status).toBe(200);
    await within(1_000, async () => (await member.get('/app/admin-only/')).status === 403);
    expect(errorCode(await member.get('/app/admin-only/'))).toBe('forbidden');
  }, 30_000);

  it('disables a user: every session dead at once, sign-in refused, until enabled', async () => {
    const email = await confirmedAccount('disabled');
    const [laptop, phone] = [await signedIn(email, LAPTOP), await signedIn(email, PHONE)];
    expect((await laptop.get('/app/', JSON_ACCEPT)).status).toBe(200);
    const { user } = body(await phone.get('/api/v1/simple_auth/me')) as { user: UserJson };
    const disabled = await admin.browser.post(`${ADMIN_API}/users/${user.id}/disable`, {
      json: {},
    });
    expect(body(disabled)).toMatchObject({ user: { disabled: true }, revoked_sessions: 2 });
    // No waiting: the revocation is published before the answer.
    expect((await laptop.get('/app/', JSON_ACCEPT)).status).toBe(401);
    expect((await phone.get('/app/', JSON_ACCEPT)).status).toBe(401);
    const signIn = await stack.browser(LAPTOP).post('/api/v1/simple_auth/signin', {
      json: { email, password: PASSWORD },
    });
    expect(signIn.status).toBe(403);
    expect(errorCode(signIn)).toBe('account_disabled');
    const enabled = await admin.browser.post(`${ADMIN_API}/users/${user.id}/enable`, { json: {} });
    expect(body(enabled)).toMatchObject({ user: { disabled: false } });
    await signedIn(email);
  }, 30_000);

  it('lists and ends sessions, deletes a user, and audits each act with the acting admin', async () => {
    const email = await confirmedAccount('audited');
    const [laptop, phone] = [await signedIn(email, LAPTOP), await signedIn(email, PHONE)];
    const { user } = body(await laptop.get('/api/v1/simple_auth/me')) as { user: UserJson };
    const listed = body(await admin.browser.get(`${ADMIN_API}/users/${user.id}/sessions`)) as {
      sessions: { id: string; device_label: string }[];
    };
    expect(listed.sessions).toHaveLength(2);
    const [first] = listed.sessions;
    const one = await admin.browser.send(
      'DELETE',
      `${ADMIN_API}/users/${user.id}/sessions/${first?.id ?? ''}`,
    );
    expect(one.status).toBe(204);
    const all = await admin.browser.send('DELETE', `${ADMIN_API}/users/${user.id}/sessions`);
    expect(body(all)).toEqual({ revoked: 1 });
    expect((await laptop.get('/app/', JSON_ACCEPT)).status).toBe(401);
    expect((await phone.get('/app/', JSON_ACCEPT)).status).toBe(401);
    await admin.browser.send('PUT', `${ADMIN_API}/users/${user.id}/roles`, {
      json: { roles: ['member'] },
    });
    const deleted = await admin.browser.send('DELETE', `${ADMIN_API}/users/${user.id}`);
    expect(body(deleted)).toMatchObject({ deleted: true, user: { email } });
    expect((await admin.browser.get(`${ADMIN_API}/users/${user.id}`)).status).toBe(404);

    // The writer stores events in batches: within a second or so.
    let events: { type: string; actor: string; details: Record<string, unknown> }[] = [];
    await within(5_000, async () => {
      const page = body(await admin.browser.get(`${ADMIN_API}/audit?user=${user.id}&type=admin.`));
      events = page.events as typeof events;
      return events.length >= 4;
    });
    expect(events.map((event) => event.type)).toEqual([
      'admin.user.deleted',
      'admin.roles.set',
      'admin.session.revoked',
      'admin.session.revoked',
    ]);
    for (const event of events) {
      expect(event.actor).toBe(admin.id);
      expect(event.details.actor_email).toBe(admin.email);
    }
  }, 30_000);

  it('explains a policy for a user without sending anything', async () => {
    const email = await confirmedAccount('explained');
    const explained = await admin.browser.get(
      `${ADMIN_API}/policy/explain?method=GET&path=/app/admin-only/x&user=${encodeURIComponent(email)}`,
    );
    expect(explained.status).toBe(200);
    expect(body(explained)).toMatchObject({
      request: { method: 'GET', path: '/app/admin-only/x' },
      user: { email },
      session: { aal: 'aal2', aal_assumed: true },
      route: { prefix: '/app/admin-only/', upstream: 'sample-backend' },
      decision: { outcome: 'deny', code: 'forbidden' },
      decided_by: 'roles',
      status: 403,
    });
    const received = stack.backend.received.length;
    const allowed = body(
      await admin.browser.get(
        `${ADMIN_API}/policy/explain?path=/app/admin-only/x&user=${encodeURIComponent(admin.email)}&aal=aal1`,
      ),
    );
    expect(allowed).toMatchObject({
      decision: { outcome: 'allow' },
      session: { aal: 'aal1', aal_assumed: false },
    });
    expect(stack.backend.received.length).toBe(received);
  }, 30_000);

  it('answers 400, 404 and csrf_failed like the rest of the API', async () => {
    const { browser } = admin;
    const missing = '00000000-0000-4000-8000-000000000000';
    for (const [path, code] of [
      [`${ADMIN_API}/users?limit=0`, 'validation_failed'],
      [`${ADMIN_API}/users?cursor=not%20a%20cursor`, 'validation_failed'],
      [`${ADMIN_API}/audit?since=yesterday`, 'validation_failed'],
      [`${ADMIN_API}/policy/explain?path=/app/`, 'validation_failed'],
      [`${ADMIN_API}/users/${missing}`, 'not_found'],
      [`${ADMIN_API}/users/${missing}/sessions`, 'not_found'],
      [`${ADMIN_API}/audit?user=nobody%40example.com`, 'not_found'],
    ] as const)
      expect({ path, code: errorCode(await browser.get(path)) }).toEqual({ path, code });
    const badRoles = await browser.send('PUT', `${ADMIN_API}/users/${admin.id}/roles`, {
      json: { roles: ['Admin'] },
    });
    expect(badRoles.status).toBe(400);
    expect(body(badRoles)).toMatchObject({
      error: { code: 'validation_failed', fields: ['roles.0'] },
    });
    const unknown = await browser.post(`${ADMIN_API}/users/${missing}/disable`, { json: {} });
    expect(errorCode(unknown)).toBe('not_found');
    const crossSite = await browser.post(`${ADMIN_API}/users/${admin.id}/disable`, {
      json: {},
      headers: { origin: 'https://evil.example' },
    });
    expect(crossSite.status).toBe(403);
    expect(errorCode(crossSite)).toBe('csrf_failed');
    const asForm = await browser.send('PUT', `${ADMIN_API}/users/${admin.id}/roles`, {
      form: { roles: 'admin' },
    });
    expect(errorCode(asForm)).toBe('unsupported_media_type');
  }, 30_000);
});
