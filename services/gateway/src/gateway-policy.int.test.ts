// Route policies (issue 17): roles, methods, hosts and a verified address decided at the gateway,
// refusals as 403 JSON or a branded page (never a redirect loop), role changes applied to live
// sessions on warm caches within a second, and each refusal in the audit stream.
import { verifyHandoff } from '@authflow/handoff';
import type { SessionRecord } from '@authflow/sessions';
import {
  chromeOnMac,
  firefoxOnLinux,
  type Response,
  startTestUpstream,
  type TestUpstream,
} from '@authflow/testing';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import WebSocket from 'ws';
import { AUDIT_STREAM, type GatewayAuditEvent } from './audit/audit-stream.js';
import { explainAccess } from './policy/explain-access.js';
import {
  type GatewayHarness,
  startGateway,
  TEST_HANDOFF_SECRET,
} from './testing/gateway-harness.js';

/** What Chrome sends for a navigation. */
const navigation = {
  ...chromeOnMac.headers,
  accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  'sec-fetch-mode': 'navigate',
};
const json = { accept: 'application/json' };
const api = { ...chromeOnMac.headers, ...json };
const aal2 = { aal: 'aal2', amr: ['pwd', 'otp'], mfaAt: Date.now() } as const;

const redisUrl = inject('redisUrl');
let backend: TestUpstream;
let auth: TestUpstream;
let docs: TestUpstream;
let eu: TestUpstream;
let first: GatewayHarness;
let second: GatewayHarness;

beforeAll(async () => {
  [backend, auth, docs, eu] = await Promise.all([
    startTestUpstream(),
    startTestUpstream(),
    startTestUpstream(),
    startTestUpstream(),
  ]);
  const routes = {
    roles: ['admin', 'member', 'billing'],
    upstreams: {
      auth: { url: auth.url },
      'sample-backend': { url: backend.url },
      docs: { url: docs.url },
      eu: { url: eu.url },
    },
    routes: [
      { prefix: '/auth/', upstream: 'auth', access: 'optional', mode: 'browser' },
      {
        prefix: '/api/v1/admin/',
        upstream: 'auth',
        access: 'protected',
        mode: 'api',
        allow: { roles: ['admin'] },
        aal: 'aal2',
      },
      { prefix: '/app/', upstream: 'sample-backend', access: 'protected', websocket: true },
      // On other hosts, /app/internal/ is plain /app/: the router falls back to the shorter prefix.
      {
        prefix: '/app/internal/',
        upstream: 'eu',
        access: 'public',
        hosts: ['intranet.example.com'],
      },
      {
        prefix: '/app/admin/',
        upstream: 'sample-backend',
        access: 'protected',
        websocket: true,
        allow: { roles: ['admin'] },
      },
      {
        prefix: '/app/billing/',
        upstream: 'sample-backend',
        access: 'protected',
        allow: { roles: ['admin', 'billing'], match: 'allOf' },
      },
      {
        prefix: '/app/reports/',
        upstream: 'sample-backend',
        access: 'protected',
        methods: ['get', 'HEAD'],
      },
      {
        prefix: '/app/verified/',
        upstream: 'sample-backend',
        access: 'protected',
        emailVerified: true,
      },
      { prefix: '/docs/', upstream: 'docs', access: 'public', methods: ['GET', 'HEAD'] },
      // Host-based routing: a whole host for the docs, one API per region.
      { prefix: '/', upstream: 'docs', access: 'public', hosts: ['docs.example.com'] },
      {
        prefix: '/api/',
        upstream: 'eu',
        access: 'protected',
        mode: 'api',
        hosts: ['eu.example.com', '*.eu.example.com'],
        allow: { roles: ['member'] },
      },
      { prefix: '/api/', upstream: 'sample-backend', access: 'public', hosts: ['us.example.com'] },
    ],
  };
  // Two replicas sharing one Redis, with caches that only a revocation message can empty.
  const env = { GATEWAY_SESSION_CACHE_TTL_MS: '30000' };
  [first, second] = await Promise.all([
    startGateway({ redisUrl, routes, env }),
    startGateway({ redisUrl, routes, env }),
  ]);
  await vi.waitFor(async () => {
    expect((await first.get('/health/ready')).status).toBe(200);
    expect((await second.get('/health/ready')).status).toBe(200);
  });
});
afterAll(async () => {
  await Promise.all([first.close(), second.close()]);
  await Promise.all([backend, auth, docs, eu].map((upstream) => upstream.close()));
});

const uniqueUser = () => `user-${Math.random().toString(36).slice(2)}`;

async function signInAs(
  gateway: GatewayHarness,
  roles: string[],
  extra: Parameters<GatewayHarness['signIn']>[1] = {},
): Promise<{ cookie: string; session: SessionRecord }> {
  return gateway.signIn(chromeOnMac, {
    userId: uniqueUser(),
    roles,
    emailVerified: true,
    ...extra,
  });
}

function errorOf(response: Response): { code: string } {
  return response.json<{ error: { code: string } }>().error;
}

async function auditEventsOf(userId: string): Promise<GatewayAuditEvent[]> {
  const entries = await first.redis.xrange(AUDIT_STREAM, '-', '+');
  return entries
    .map(([, fields]) => JSON.parse(fields[1] ?? '{}') as GatewayAuditEvent)
    .filter((event) => event.userId === userId);
}

describe('an admin-only route', () => {
  it('answers a member 403 forbidden JSON, proxies nothing, and keeps the cookie', async () => {
    const { cookie } = await signInAs(first, ['member']);
    const proxied = backend.received.length;
    const response = await first.get('/app/admin/users', { ...api, cookie });
    expect(response.status).toBe(403);
    expect(response.headers['x-authflow-error']).toBe('forbidden');
    expect(errorOf(response).code).toBe('forbidden');
    expect(response.headers['set-cookie']).toBeUndefined();
    expect(backend.received.length).toBe(proxied);
  });

  it('shows a browser a 403 page with a link to sign in as someone else, not a redirect', async () => {
    const { cookie } = await signInAs(first, ['member'], { email: 'mia@example.com' });
    const response = await first.get('/app/admin/users?page=2', { ...navigation, cookie });
    expect(response.status).toBe(403);
    expect(response.headers.location).toBeUndefined();
    expect(response.headers['content-type']).toMatch(/^text\/html/u);
    expect(response.headers['x-authflow-error']).toBe('forbidden');
    expect(response.headers['content-security-policy']).toContain("default-src 'none'");
    expect(response.body).toContain('mia@example.com');
    const href = /<a href="([^"]+)">Sign in as someone else<\/a>/u.exec(response.body)?.[1];
    const link = new URL(href ?? '', 'http://gateway.invalid');
    expect(link.pathname).toBe('/auth/logout');
    expect(verifyHandoff(link.searchParams.get('next') ?? '', TEST_HANDOFF_SECRET)).toEqual({
      ok: true,
      path: '/app/admin/users?page=2',
    });
    // The link itself is served to the signed-in member (an optional route): no loop.
    expect((await first.get(href ?? '', { ...navigation, cookie })).status).toBe(200);
  });

  it('lets an admin through with the roles in the assertion', async () => {
    const { cookie, session } = await signInAs(first, ['admin']);
    const response = await first.get('/app/admin/users', { ...api, cookie });
    expect(response.status).toBe(200);
    expect(
      decodeJwt(String(backend.received.at(-1)?.headers['x-authflow-assertion'])),
    ).toMatchObject({
      sid: session.id,
      roles: ['admin'],
    });
  });

  it('refuses a member WebSocket upgrade with 403 and opens an admin one', async () => {
    const upgrade = (cookie: string) =>
      new Promise<{ status: number; socket: WebSocket }>((resolve, reject) => {
        const socket = new WebSocket(`${first.url.replace('http', 'ws')}/app/admin/live`, {
          headers: { ...navigation, cookie },
        });
        socket.once('unexpected-response', (_request, response) =>
          resolve({ status: response.statusCode ?? 0, socket }),
        );
        socket.once('open', () => resolve({ status: 101, socket }));
        socket.once('error', reject);
      });
    const refused = await upgrade((await signInAs(first, ['member'])).cookie);
    expect(refused.status).toBe(403);
    refused.socket.on('error', () => undefined);
    refused.socket.terminate();
    const admitted = await upgrade((await signInAs(first, ['admin'])).cookie);
    expect(admitted.status).toBe(101);
    const closed = new Promise((resolve) => admitted.socket.once('close', resolve));
    admitted.socket.close();
    await closed;
  });

  it('needs every role where the route says allOf', async () => {
    const billingOnly = await signInAs(first, ['billing']);
    const both = await signInAs(first, ['admin', 'billing']);
    expect((await first.get('/app/billing/', { ...api, cookie: billingOnly.cookie })).status).toBe(
      403,
    );
    expect((await first.get('/app/billing/', { ...api, cookie: both.cookie })).status).toBe(200);
  });

  it('writes an access.denied event to the audit stream', async () => {
    const { cookie, session } = await signInAs(first, ['member']);
    const response = await first.send('DELETE', '/app/admin/users/7?hard=1', {
      ...api,
      cookie,
      'x-request-id': 'ignored-from-an-untrusted-client',
    });
    expect(response.status).toBe(403);
    await vi.waitFor(async () => expect(await auditEventsOf(session.userId)).toHaveLength(1));
    const [event] = await auditEventsOf(session.userId);
    expect(event).toMatchObject({
      type: 'access.denied',
      source: 'gateway',
      userId: session.userId,
      sessionId: session.id,
      ip: '127.0.0.1',
      requestId: expect.any(String),
      details: {
        route: '/app/admin/',
        method: 'DELETE',
        path: '/app/admin/users/7',
        code: 'forbidden',
        rule: 'roles',
        reason: 'route requires one of the roles admin; session has member',
      },
    });
  });
});

describe('the admin API route (role admin and aal2)', () => {
  it('answers a member 403 forbidden, an aal1 admin 403 mfa_required, and passes an aal2 admin', async () => {
    const member = await signInAs(first, ['member']);
    const admin = await signInAs(first, ['admin']);
    const elevated = await signInAs(first, ['admin'], aal2);
    const forMember = await first.get('/api/v1/admin/users', {
      ...navigation,
      cookie: member.cookie,
    });
    expect(forMember.status).toBe(403);
    expect(errorOf(forMember).code).toBe('forbidden');
    const forAdmin = await first.get('/api/v1/admin/users', { ...api, cookie: admin.cookie });
    expect(forAdmin.status).toBe(403);
    expect(errorOf(forAdmin).code).toBe('mfa_required');
    expect(
      (await first.get('/api/v1/admin/users', { ...api, cookie: elevated.cookie })).status,
    ).toBe(200);
    expect(auth.received.at(-1)?.url).toBe('/api/v1/admin/users');
  });
});

describe('methods', () => {
  it('passes the listed methods and refuses the others 403, with or without a session', async () => {
    const { cookie } = await signInAs(first, ['member']);
    expect((await first.get('/app/reports/q1', { ...api, cookie })).status).toBe(200);
    expect((await first.send('HEAD', '/app/reports/q1', { ...api, cookie })).status).toBe(200);
    const post = await first.send('POST', '/app/reports/q1', { ...api, cookie }, '{}');
    expect(post.status).toBe(403);
    expect(errorOf(post).code).toBe('forbidden');
    // Signing in would not help: no login redirect, the refusal itself.
    const anonymous = await first.send('DELETE', '/app/reports/q1', navigation);
    expect(anonymous.status).toBe(403);
    expect(anonymous.headers.location).toBeUndefined();
  });

  it('holds on a public route too', async () => {
    expect((await first.get('/docs/intro', api)).status).toBe(200);
    const put = await first.send('PUT', '/docs/intro', api, 'x');
    expect(put.status).toBe(403);
    expect(put.headers['x-authflow-error']).toBe('forbidden');
  });
});

describe('emailVerified', () => {
  it('refuses a session whose address is not verified and passes a verified one', async () => {
    const unverified = await signInAs(first, ['member'], { emailVerified: false });
    const verified = await signInAs(first, ['member']);
    const refused = await first.get('/app/verified/', { ...api, cookie: unverified.cookie });
    expect(refused.status).toBe(403);
    expect(errorOf(refused).code).toBe('forbidden');
    expect((await first.get('/app/verified/', { ...api, cookie: verified.cookie })).status).toBe(
      200,
    );
  });
});

describe('hosts', () => {
  it('routes by Host header: the docs host, the regional APIs, and the default elsewhere', async () => {
    const { cookie, session } = await signInAs(first, ['member']);
    const at = async (host: string, path: string) => {
      const counts = [docs, eu, backend].map((upstream) => upstream.received.length);
      const response = await first.get(path, { ...api, cookie, host });
      const reached = [docs, eu, backend].findIndex(
        (upstream, index) => upstream.received.length > (counts[index] ?? 0),
      );
      // Explain names the route the router chose, for the same request.
      const explained = explainAccess(first.config.routes, { method: 'GET', host, path }, session);
      expect(explained.route?.kind === 'proxy' ? explained.route.upstream : undefined).toBe(
        ['docs', 'eu', 'sample-backend'][reached],
      );
      return { status: response.status, reached: ['docs', 'eu', 'sample-backend'][reached] };
    };
    expect(await at('docs.example.com', '/guide')).toEqual({ status: 200, reached: 'docs' });
    expect(await at('DOCS.example.com.:8080', '/guide')).toEqual({ status: 200, reached: 'docs' });
    // Longest prefix first: /app/ serves every host, the docs host included.
    expect(await at('docs.example.com', '/app/x')).toEqual({
      status: 200,
      reached: 'sample-backend',
    });
    expect(await at('eu.example.com', '/api/orders')).toEqual({ status: 200, reached: 'eu' });
    expect(await at('fr.eu.example.com', '/api/orders')).toEqual({ status: 200, reached: 'eu' });
    expect(await at('us.example.com', '/api/orders')).toEqual({
      status: 200,
      reached: 'sample-backend',
    });
    expect(await at('intranet.example.com', '/app/internal/x')).toEqual({
      status: 200,
      reached: 'eu',
    });
    expect(await at('www.example.com', '/app/internal/x')).toEqual({
      status: 200,
      reached: 'sample-backend',
    });
    expect(await at('www.example.com', '/guide')).toEqual({ status: 404, reached: undefined });
    expect(await at('www.example.com', '/api/orders')).toEqual({ status: 404, reached: undefined });
  });

  it('applies the policy of the route the host selected', async () => {
    const billing = await signInAs(first, ['billing']);
    const refused = await first.get('/api/orders', {
      ...api,
      cookie: billing.cookie,
      host: 'eu.example.com',
    });
    expect(refused.status).toBe(403);
    // The same path on the US host is a public route: no session needed.
    expect((await first.get('/api/orders', { ...api, host: 'us.example.com' })).status).toBe(200);
    expect((await first.get('/api/orders', { ...api, host: 'eu.example.com' })).status).toBe(401);
  });
});

describe('GET /verify', () => {
  it('answers 403 forbidden for a route the session may not use, by host and method', async () => {
    const { cookie } = await signInAs(first, ['member']);
    const ask = (headers: Record<string, string>) =>
      first.get('/verify', { ...chromeOnMac.headers, cookie, ...headers });
    const admin = await ask({ 'x-original-uri': '/app/admin/x' });
    expect(admin.status).toBe(403);
    expect(admin.headers['x-authflow-error']).toBe('forbidden');
    expect(admin.headers['x-authflow-assertion']).toBeUndefined();
    expect(
      (await ask({ 'x-original-uri': '/app/reports/1', 'x-original-method': 'POST' })).status,
    ).toBe(403);
    expect(
      (await ask({ 'x-original-uri': '/app/reports/1', 'x-original-method': 'GET' })).status,
    ).toBe(200);
  });

  it('matches the route of the host asked about, and ignores X-Forwarded-Host from an untrusted peer', async () => {
    const { cookie } = await signInAs(first, ['billing']);
    const ask = (headers: Record<string, string>) =>
      first.get('/verify', {
        ...chromeOnMac.headers,
        cookie,
        'x-original-uri': '/api/orders',
        ...headers,
      });
    // The EU API wants role member; the US one is public; other hosts have no /api/ route.
    expect((await ask({ host: 'eu.example.com' })).status).toBe(403);
    expect((await ask({ host: 'us.example.com' })).status).toBe(200);
    expect((await ask({ 'x-forwarded-host': 'eu.example.com' })).status).toBe(200);
  });
});

describe('a role change on live sessions', () => {
  it('applies on every gateway with a warm cache within a second, both ways', async () => {
    const { cookie, session } = await signInAs(first, ['member']);
    const status = (gateway: GatewayHarness) =>
      gateway.get('/app/admin/reports', { ...api, cookie }).then((response) => response.status);
    // Both replicas hold the member session in their caches (30 s: only a message evicts it).
    for (const gateway of [first, second]) {
      expect((await gateway.get('/app/warm', { ...api, cookie })).status).toBe(200);
      expect(await status(gateway)).toBe(403);
    }
    // What auth does when an admin grants the role: every live session updated, ids published.
    expect(await first.store.setRolesForUser(session.userId, ['member', 'admin'])).toEqual([
      session.id,
    ]);
    for (const gateway of [first, second])
      await vi.waitFor(async () => expect(await status(gateway)).toBe(200), {
        timeout: 1_000,
        interval: 20,
      });

    await first.store.setRolesForUser(session.userId, ['member']);
    for (const gateway of [first, second])
      await vi.waitFor(async () => expect(await status(gateway)).toBe(403), {
        timeout: 1_000,
        interval: 20,
      });
  });
});

describe('a fingerprint mismatch', () => {
  it('writes session.fingerprint_mismatch, naming the parts that changed, to the audit stream', async () => {
    const { cookie, session } = await signInAs(first, ['member']);
    const response = await first.get('/app/x', { ...firefoxOnLinux.headers, ...json, cookie });
    expect(response.status).toBe(401);
    expect(errorOf(response).code).toBe('fingerprint_mismatch');
    await vi.waitFor(async () => expect(await auditEventsOf(session.userId)).toHaveLength(1));
    const [event] = await auditEventsOf(session.userId);
    expect(event).toMatchObject({
      type: 'session.fingerprint_mismatch',
      source: 'gateway',
      sessionId: session.id,
      details: { parts: expect.arrayContaining(['userAgent']), revoked: true },
    });
  });
});
