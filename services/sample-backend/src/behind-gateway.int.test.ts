import { chromeOnMac, getFreePort } from '@authflow/testing';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { type GatewayHarness, startGateway } from '@authflow/gateway/testing';
import {
  closeOf,
  exchange,
  openSocket,
  type SampleBackendHarness,
  startSampleBackend,
} from './test-support/sample-backend-harness.js';

// The real gateway in front of the real sample backend, which verifies the gateway's assertions
// against the gateway's published JWKS, as in split mode.
let gateway: GatewayHarness;
let backend: SampleBackendHarness;

beforeAll(async () => {
  const backendPort = await getFreePort();
  gateway = await startGateway({
    redisUrl: inject('redisUrl'),
    backendUrl: `http://127.0.0.1:${backendPort}`,
    authUrl: 'http://127.0.0.1:9',
  });
  backend = await startSampleBackend({
    port: backendPort,
    env: {
      SAMPLE_BACKEND_GATEWAY_JWKS_URL: `${gateway.url}/.well-known/jwks.json`,
      SAMPLE_BACKEND_ASSERTION_ISSUER: 'http://localhost:8000',
      SAMPLE_BACKEND_TRUSTED_PROXIES: '127.0.0.1',
    },
  });
  await vi.waitFor(async () => expect((await gateway.get('/health/ready')).status).toBe(200));
});
afterAll(async () => {
  await gateway.close();
  await backend.close();
});

const browserGet = (path: string, headers: Record<string, string>) =>
  gateway.get(path, { ...chromeOnMac.headers, ...headers });

describe('a signed-in browser, through the gateway', () => {
  it('gets the page and its profile', async () => {
    const { cookie, session } = await gateway.signIn(chromeOnMac, { email: 'grace@example.com' });
    const page = await browserGet('/app/', { cookie, accept: 'text/html' });
    expect(page.status).toBe(200);
    expect(page.body).toContain('Hello, grace@example.com');
    expect(page.body).toContain(`<code>${session.userId}</code>`);

    const profile = await browserGet('/app/api/profile', { cookie, accept: 'application/json' });
    expect(profile.status).toBe(200);
    expect(profile.json()).toMatchObject({
      user_id: session.userId,
      email: 'grace@example.com',
      roles: ['member'],
      session_id: session.id,
      amr: ['pwd'],
    });
  });

  it('arrives without the session cookie and without the identity headers it forged', async () => {
    const { cookie, session } = await gateway.signIn(chromeOnMac);
    const response = await browserGet('/app/api/headers', {
      cookie: `${cookie}; theme=dark`,
      accept: 'application/json',
      'x-authflow-user-id': 'admin',
      'x-authflow-email': 'admin@example.com',
      'x-authflow-roles': 'admin',
      'x-authflow-assertion': 'forged.forged.forged',
      'x-user-id': 'admin',
      'remote-user': 'admin',
    });
    expect(response.status).toBe(200);
    const shown = response.json<Record<string, string>>();
    expect(shown.cookie).toBe('theme=…');
    expect(shown['x-authflow-user-id']).toBe(session.userId);
    expect(shown['x-authflow-email']).toBe('ada@example.com');
    expect(shown['x-authflow-roles']).toBe('member');
    expect(shown['x-authflow-assertion']).toMatch(/^eyJ[\w-]{17}…$/u);
    expect(shown).not.toHaveProperty('x-user-id');
    expect(shown).not.toHaveProperty('remote-user');
    expect(shown['x-request-id']).toEqual(expect.any(String));
    expect(JSON.stringify(shown)).not.toContain('admin');
  });

  it('opens a WebSocket that greets and echoes, and is closed with 4401 when the session is revoked', async () => {
    const { cookie, session } = await gateway.signIn(chromeOnMac);
    const outcome = await openSocket(`${gateway.url}/app/ws`, {
      headers: { ...chromeOnMac.headers, cookie },
      origin: gateway.url,
    });
    if (!outcome.opened) throw new Error(`refused with ${outcome.status}: ${outcome.body}`);
    expect(outcome.greeting).toEqual({ type: 'hello', email: 'ada@example.com' });
    expect(await exchange(outcome.socket, 'through the gateway')).toEqual({
      type: 'echo',
      data: 'through the gateway',
    });

    const closed = closeOf(outcome.socket);
    await gateway.store.revoke(session.id);
    expect(await closed).toEqual({ code: 4401, reason: 'session revoked' });
    await vi.waitFor(() => expect(backend.app.websocketServer.clients.size).toBe(0));
  });

  it('cannot be made to open a WebSocket from a page of another site', async () => {
    const { cookie } = await gateway.signIn(chromeOnMac);
    const outcome = await openSocket(`${gateway.url}/app/ws`, {
      headers: { ...chromeOnMac.headers, cookie },
      origin: 'https://evil.example',
    });
    // The gateway upgrades the browser's connection before it connects upstream, so the
    // backend's 403 reaches the browser as a close with 1011, before any greeting.
    expect(outcome).toEqual({ opened: false, status: 101, body: '', closeCode: 1011 });
    expect(backend.app.websocketServer.clients.size).toBe(0);
  });
});
