import { readFile } from 'node:fs/promises';
import { verifyHandoff } from '@authflow/handoff';
import {
  chromeOnMac,
  findNginx,
  firefoxOnLinux,
  getFreePort,
  type NginxHandle,
  sendRaw,
  startNginx,
  startTestUpstream,
  type TestUpstream,
} from '@authflow/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  type GatewayHarness,
  startGateway,
  TEST_HANDOFF_SECRET,
} from './testing/gateway-harness.js';

const redisUrl = inject('redisUrl');
let gateway: GatewayHarness;
let app: TestUpstream;

const audienceOf = (assertion: string): unknown =>
  (
    JSON.parse(Buffer.from(assertion.split('.')[1] ?? '', 'base64url').toString()) as {
      aud: unknown;
    }
  ).aud;

beforeAll(async () => {
  app = await startTestUpstream();
  gateway = await startGateway({ redisUrl, env: { GATEWAY_TRUSTED_PROXIES: '127.0.0.1' } });
});
afterAll(async () => {
  await gateway.close();
  await app.close();
});

describe('GET /verify', () => {
  it('answers 200 with the identity headers and an assertion for the route the original URI matches', async () => {
    const { cookie, session } = await gateway.signIn(chromeOnMac);
    const response = await gateway.get('/verify', {
      ...chromeOnMac.headers,
      cookie,
      'x-original-uri': '/app/reports',
      'x-original-method': 'GET',
    });
    expect(response.status).toBe(200);
    expect(response.headers['x-authflow-user-id']).toBe(session.userId);
    expect(response.headers['x-authflow-email']).toBe('ada@example.com');
    expect(audienceOf(String(response.headers['x-authflow-assertion']))).toBe('sample-backend');
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('uses the forward-auth audience for paths no route covers, and reads Traefik/Caddy headers', async () => {
    const { cookie } = await gateway.signIn(chromeOnMac);
    const response = await gateway.get('/verify', {
      ...chromeOnMac.headers,
      cookie,
      'x-forwarded-uri': '/elsewhere',
      'x-forwarded-method': 'POST',
    });
    expect(response.status).toBe(200);
    expect(audienceOf(String(response.headers['x-authflow-assertion']))).toBe('forward-auth');
  });

  it('answers 401 with the login URL in Location, returning to the original URI', async () => {
    const response = await gateway.get('/verify', { 'x-original-uri': '/app/reports?q=1' });
    expect(response.status).toBe(401);
    const location = new URL(String(response.headers.location), 'http://x');
    expect(location.pathname).toBe('/auth/login');
    expect(verifyHandoff(location.searchParams.get('next') ?? '', TEST_HANDOFF_SECRET)).toEqual({
      ok: true,
      path: '/app/reports?q=1',
    });
    expect(response.json<{ error: { code: string } }>().error.code).toBe('unauthenticated');
  });

  it('applies the device check too', async () => {
    const { cookie, session } = await gateway.signIn(chromeOnMac);
    const response = await gateway.get('/verify', {
      ...firefoxOnLinux.headers,
      cookie,
      'x-original-uri': '/app/',
    });
    expect(response.status).toBe(401);
    expect(response.json<{ error: { code: string } }>().error.code).toBe('fingerprint_mismatch');
    expect(await gateway.store.find(session.id)).toBeNull();
  });

  it('never echoes a non-canonical original URI into the login redirect', async () => {
    const response = await gateway.get('/verify', { 'x-original-uri': '//evil.example/../x' });
    const location = new URL(String(response.headers.location), 'http://x');
    expect(verifyHandoff(location.searchParams.get('next') ?? '', TEST_HANDOFF_SECRET)).toEqual({
      ok: true,
      path: '/',
    });
  });
});

const nginx = findNginx();
if (nginx === undefined) {
  process.stdout.write(
    'SKIPPED: /verify behind nginx auth_request — nginx is not installed (apt-get install nginx; .ci/run installs it)\n',
  );
}

describe.skipIf(nginx === undefined)(
  '/verify behind a real nginx auth_request (the documented snippet)',
  () => {
    let proxy: NginxHandle;
    let edge: string;

    beforeAll(async () => {
      const port = await getFreePort();
      const snippet = (
        await readFile(new URL('../examples/nginx-forward-auth.conf', import.meta.url), 'utf8')
      )
        .replaceAll('${LISTEN}', `127.0.0.1:${port}`)
        .replaceAll('${GATEWAY}', new URL(gateway.url).host)
        .replaceAll('${APP}', new URL(app.url).host);
      proxy = await startNginx(snippet, port);
      edge = `http://127.0.0.1:${port}`;
    });
    afterAll(async () => {
      await proxy.stop();
    });

    it('lets a signed-in browser through with the identity, and the client IP reaches the gateway', async () => {
      const { cookie, session } = await gateway.signIn(chromeOnMac);
      const response = await sendRaw(edge, 'GET', '/dashboard?tab=1', {
        ...chromeOnMac.headers,
        cookie,
        'x-authflow-user-id': 'forged',
      });
      expect(response.status).toBe(200);
      const received = app.received.at(-1);
      expect(received?.url).toBe('/dashboard?tab=1');
      expect(received?.headers['x-authflow-user-id']).toBe(session.userId);
      expect(audienceOf(String(received?.headers['x-authflow-assertion']))).toBe('forward-auth');
    });

    it('sends a browser without a session to the login page', async () => {
      const before = app.received.length;
      const response = await sendRaw(edge, 'GET', '/dashboard', { accept: 'text/html' });
      expect(response.status).toBe(302);
      const location = new URL(String(response.headers.location), 'http://x');
      expect(location.pathname).toBe('/auth/login');
      expect(verifyHandoff(location.searchParams.get('next') ?? '', TEST_HANDOFF_SECRET)).toEqual({
        ok: true,
        path: '/dashboard',
      });
      expect(app.received.length).toBe(before);
    });
  },
);
