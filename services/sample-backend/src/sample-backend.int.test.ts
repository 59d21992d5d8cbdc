import { sendRaw } from '@authflow/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closeOf,
  exchange,
  openSocket,
  type SampleBackendHarness,
  startSampleBackend,
} from './test-support/sample-backend-harness.js';
import {
  createTestGatewayKey,
  DEFAULT_CLAIMS,
  signTestAssertion,
  type TestGatewayKey,
} from './test-support/test-gateway-key.js';

interface ErrorBody {
  error: { code: string; message: string; request_id: string };
}

let key: TestGatewayKey;
let backend: SampleBackendHarness;

beforeAll(async () => {
  key = await createTestGatewayKey();
  backend = await startSampleBackend({ dependencies: { assertionKeys: key.jwks } });
});
afterAll(() => backend.close());

const get = (path: string, headers: Record<string, string> = {}) =>
  sendRaw(backend.url, 'GET', path, headers);
const withAssertion = async (claims = {}) => ({
  'x-authflow-assertion': await signTestAssertion(key, claims),
});

describe('called directly, without the gateway', () => {
  it.each(['/app/', '/app/api/profile', '/app/api/headers', '/app/static/app.js', '/app/nowhere'])(
    'refuses %s without an assertion: 401 and the error envelope',
    async (path) => {
      const response = await get(path, { accept: 'application/json' });
      expect(response.status).toBe(401);
      expect(response.headers['x-authflow-error']).toBe('unauthenticated');
      const body = response.json<ErrorBody>();
      expect(body.error.code).toBe('unauthenticated');
      expect(body.error.request_id).toEqual(expect.any(String));
    },
  );

  it('gains nothing from forged identity headers', async () => {
    const response = await get('/app/api/profile', {
      'x-authflow-user-id': 'admin',
      'x-authflow-email': 'admin@example.com',
      'x-authflow-roles': 'admin',
      'x-user-id': 'admin',
      'remote-user': 'admin',
    });
    expect(response.status).toBe(401);
    expect(response.body).not.toContain('admin');
  });

  it.each([
    ['garbage', 'not-a-jwt'],
    ['a three-part forgery', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.'],
  ])('refuses %s as the assertion', async (_case, token) => {
    const response = await get('/app/api/profile', { 'x-authflow-assertion': token });
    expect(response.status).toBe(401);
    expect(response.json<ErrorBody>().error.code).toBe('unauthenticated');
  });

  it('refuses a signed assertion for another audience, from another issuer, or expired', async () => {
    const now = Math.floor(Date.now() / 1_000);
    for (const claims of [
      { aud: 'billing' },
      { iss: 'https://evil.example' },
      { iat: now - 120, exp: now - 60 },
    ]) {
      const response = await get('/app/api/profile', await withAssertion(claims));
      expect(response.status).toBe(401);
    }
  });

  it('refuses an assertion signed by a key the gateway does not publish', async () => {
    const stranger = await createTestGatewayKey(key.kid);
    const token = await signTestAssertion(stranger);
    const response = await get('/app/api/profile', { 'x-authflow-assertion': token });
    expect(response.status).toBe(401);
  });

  it.each(['/health', '/health/live', '/health/ready', '/metrics'])(
    'answers %s without an assertion',
    async (path) => {
      expect((await get(path)).status).toBe(200);
    },
  );

  it('is ready with static keys, and says why', async () => {
    const response = await get('/health/ready');
    expect(response.json()).toEqual({ status: 'ready', checks: { gateway_keys: 'ok' } });
  });

  it('counts requests under its own metric prefix', async () => {
    const metrics = await get('/metrics');
    expect(metrics.body).toContain('authflow_sample_backend_http_request_duration_seconds');
  });
});

describe('with a valid assertion', () => {
  it('renders the page with the escaped email, the links and a strict CSP', async () => {
    const hostile = '"><script>alert(1)</script>@example.com';
    const response = await get('/app/', {
      ...(await withAssertion({ email: hostile })),
      accept: 'text/html',
    });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.body).toContain(
      'Hello, &quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;@example.com',
    );
    expect(response.body).not.toContain('<script>alert(1)');
    expect(response.body).toContain('<a href="/auth/sessions">Your sessions</a>');
    expect(response.body).toContain('<a href="/auth/logout">Sign out</a>');
    expect(response.headers['content-security-policy']).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; " +
        "img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'",
    );
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('redirects /app to /app/', async () => {
    const response = await get('/app', await withAssertion());
    expect(response.status).toBe(302);
    expect(response.headers.location).toBe('/app/');
  });

  it('serves the page script and stylesheet', async () => {
    const script = await get('/app/static/app.js', await withAssertion());
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.body).toContain('new WebSocket(`${scheme}//${location.host}/app/ws`)');
    const stylesheet = await get('/app/static/app.css', await withAssertion());
    expect(stylesheet.headers['content-type']).toBe('text/css; charset=utf-8');
  });

  it('returns the identity the assertion carries at /app/api/profile', async () => {
    const iat = Math.floor(Date.now() / 1_000);
    const response = await get('/app/api/profile', await withAssertion({ iat, exp: iat + 60 }));
    expect(response.status).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.json()).toEqual({
      user_id: DEFAULT_CLAIMS.sub,
      email: DEFAULT_CLAIMS.email,
      roles: DEFAULT_CLAIMS.roles,
      session_id: DEFAULT_CLAIMS.sid,
      amr: DEFAULT_CLAIMS.amr,
      aal: 'aal1',
      provider: DEFAULT_CLAIMS.provider,
      issued_at: new Date(iat * 1_000).toISOString(),
      expires_at: new Date((iat + 60) * 1_000).toISOString(),
    });
  });

  it('shows the headers that arrived, with the assertion cut short, at /app/api/headers', async () => {
    const headers = { ...(await withAssertion()), 'x-trace': 'abc', cookie: 'theme=dark; csrf=s3' };
    const response = await get('/app/api/headers', headers);
    const shown = response.json<Record<string, string>>();
    expect(shown['x-authflow-assertion']).toBe(`${headers['x-authflow-assertion'].slice(0, 20)}…`);
    expect(shown['x-trace']).toBe('abc');
    expect(shown.cookie).toBe('theme=…; csrf=…');
  });

  it('answers 413 for a body over the limit (it takes no bodies, but says so properly)', async () => {
    const response = await sendRaw(
      backend.url,
      'POST',
      '/app/api/profile',
      { ...(await withAssertion()), 'content-type': 'application/json' },
      JSON.stringify({ padding: 'x'.repeat(1_100_000) }),
    );
    expect(response.status).toBe(413);
    expect(response.json<ErrorBody>().error.code).toBe('payload_too_large');
  });

  it('answers 404 for paths it does not serve', async () => {
    const response = await get('/app/nowhere', await withAssertion());
    expect(response.status).toBe(404);
    expect(response.json<ErrorBody>().error.code).toBe('not_found');
  });
});

describe('the WebSocket at /app/ws', () => {
  it('greets the verified user and echoes messages', async () => {
    const outcome = await openSocket(`${backend.url}/app/ws`, { headers: await withAssertion() });
    if (!outcome.opened) throw new Error(`refused with ${outcome.status}`);
    expect(outcome.greeting).toEqual({ type: 'hello', email: DEFAULT_CLAIMS.email });
    expect(await exchange(outcome.socket, 'ping')).toEqual({ type: 'echo', data: 'ping' });
    expect(await exchange(outcome.socket, '<b>hi</b>')).toEqual({
      type: 'echo',
      data: '<b>hi</b>',
    });
    const closed = closeOf(outcome.socket);
    outcome.socket.close(1000);
    expect((await closed).code).toBe(1000);
  });

  it('refuses the upgrade without an assertion: 401, no socket', async () => {
    const outcome = await openSocket(`${backend.url}/app/ws`, {
      headers: { 'x-authflow-user-id': 'admin' },
    });
    expect(outcome).toMatchObject({ opened: false, status: 401 });
    if (outcome.opened) return;
    expect(JSON.parse(outcome.body)).toMatchObject({ error: { code: 'unauthenticated' } });
    expect(backend.app.websocketServer.clients.size).toBe(0);
  });

  it('closes the connection of a refused upgrade, so the app can still close promptly', async () => {
    const other = await startSampleBackend({ dependencies: { assertionKeys: key.jwks } });
    expect(await openSocket(`${other.url}/app/ws`)).toMatchObject({ opened: false, status: 401 });
    const started = Date.now();
    await other.close();
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('refuses the upgrade with an expired assertion', async () => {
    const now = Math.floor(Date.now() / 1_000);
    const outcome = await openSocket(`${backend.url}/app/ws`, {
      headers: await withAssertion({ iat: now - 120, exp: now - 60 }),
    });
    expect(outcome).toMatchObject({ opened: false, status: 401 });
  });

  it('refuses an upgrade from a page of another site (cross-site WebSocket hijacking)', async () => {
    const outcome = await openSocket(`${backend.url}/app/ws`, {
      headers: await withAssertion(),
      origin: 'https://evil.example',
    });
    expect(outcome).toMatchObject({ opened: false, status: 403 });
  });

  it('accepts an upgrade from a page of the site itself', async () => {
    const outcome = await openSocket(`${backend.url}/app/ws`, {
      headers: await withAssertion(),
      origin: backend.url,
    });
    expect(outcome.opened).toBe(true);
    if (outcome.opened) outcome.socket.close();
  });

  it('closes the socket on a binary message (text only)', async () => {
    const outcome = await openSocket(`${backend.url}/app/ws`, { headers: await withAssertion() });
    if (!outcome.opened) throw new Error(`refused with ${outcome.status}`);
    const closed = closeOf(outcome.socket);
    outcome.socket.send(Buffer.from([1, 2, 3]));
    expect(await closed).toEqual({ code: 1003, reason: 'text messages only' });
  });
});
