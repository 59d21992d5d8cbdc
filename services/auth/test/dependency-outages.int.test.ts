// Auth while a dependency is down, through HTTP on the composed service: the built-in store's
// database (PGlite made unreachable) and Redis (a private redis-server stopped and restarted).
// Every outage is a 503 with Retry-After and a stable code, never a 500 and never a hang, and
// is logged once per state change; the service recovers by itself.
import { mkdtemp } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemorySessionStore } from '@authflow/sessions';
import { type RedisServerHandle, startRedisServer } from '@authflow/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildAuthApp } from '../src/app.js';
import { loadAuthConfig } from '../src/config/load-config.js';
import { createPgliteDatabase } from '../src/identity/builtin/database.js';
import {
  type SwitchableDatabase,
  switchableDatabase,
} from '../src/identity/builtin/test-support/switchable-database.js';
import { BrowserClient } from './support/browser-client.js';
import { createRecordingMailer } from './support/recording-mailer.js';
import { captureLogs, type CapturedLogs } from './support/log-capture.js';
import { TEST_HANDOFF_SECRET } from './support/stack-harness.js';

const ORIGIN = 'http://localhost:8000';
const PASSWORD = 'correct horse battery staple';
const WARN = 40;
const ERROR = 50;

async function authApp(
  env: Record<string, string>,
  dependencies: Parameters<typeof buildAuthApp>[1],
): Promise<FastifyInstance> {
  const config = loadAuthConfig({
    AUTHFLOW_HANDOFF_SECRET: TEST_HANDOFF_SECRET,
    AUTH_PUBLIC_URL: ORIGIN,
    AUTHFLOW_COOKIE_SECURE: 'false',
    AUTH_REQUIRE_EMAIL_VERIFICATION: 'false',
    AUTH_ARGON2_MEMORY_KIB: '1024',
    AUTH_ARGON2_ITERATIONS: '1',
    AUTH_BREAKER_RESET_MS: '300',
    AUTH_DATA_DIR: await mkdtemp(join(tmpdir(), 'authflow-outage-')),
    ...env,
  });
  return buildAuthApp(config, { collectProcessMetrics: false, ...dependencies });
}

function post(app: FastifyInstance, path: string, body: object) {
  return app.inject({
    method: 'POST',
    url: `/api/v1/simple_auth/${path}`,
    headers: { 'content-type': 'application/json', origin: ORIGIN },
    payload: JSON.stringify(body),
  });
}

async function timed<T>(work: Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await work;
  return [result, performance.now() - started];
}

async function breakerStateOf(app: FastifyInstance, dependency: string): Promise<string> {
  const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  return (
    new RegExp(`authflow_auth_breaker_state\\{dependency="${dependency}"\\} (\\d)`, 'u').exec(
      text,
    )?.[1] ?? 'absent'
  );
}

const transitions = (logs: CapturedLogs, dependency: string) =>
  logs.lines.filter(
    (line) =>
      line.dependency === dependency &&
      typeof line.event === 'string' &&
      line.event.startsWith('breaker.'),
  );

describe('the built-in store database unreachable', () => {
  let app: FastifyInstance;
  let database: SwitchableDatabase;
  let logs: CapturedLogs;
  beforeAll(async () => {
    database = switchableDatabase(await createPgliteDatabase('memory://'));
    logs = captureLogs();
    app = await authApp(
      { AUTH_LOG_LEVEL: 'info' },
      {
        database: database.db,
        sessionStore: new MemorySessionStore(),
        mailer: createRecordingMailer(),
        logger: logs.logger,
      },
    );
  }, 60_000);
  afterAll(() => app.close());
  afterEach(() => database.up());

  it('answers wrong passwords and unknown addresses with 401 without opening the breaker', async () => {
    const email = `known-${Date.now()}@example.com`;
    expect((await post(app, 'signup', { email, password: PASSWORD })).statusCode).toBe(202);
    for (let i = 0; i < 4; i += 1) {
      expect((await post(app, 'signin', { email, password: `${PASSWORD}!` })).statusCode).toBe(401);
      const unknown = await post(app, 'signin', {
        email: `nobody-${i}@example.com`,
        password: PASSWORD,
      });
      expect(unknown.json()).toMatchObject({ error: { code: 'invalid_credentials' } });
    }
    expect(await breakerStateOf(app, 'postgres')).toBe('0');
    expect(transitions(logs, 'postgres')).toEqual([]);
  });

  it('answers sign-in, sign-up and reset 503 identity_store_unavailable with Retry-After, fast, then recovers', async () => {
    const email = `outage-${Date.now()}@example.com`;
    expect((await post(app, 'signup', { email, password: PASSWORD })).statusCode).toBe(202);
    database.down();

    // Until the failures outweigh the successes of the rolling window and the breaker opens.
    let attempts = 0;
    while ((await breakerStateOf(app, 'postgres')) !== '2' && attempts < 100) {
      attempts += 1;
      const [answer, ms] = await timed(post(app, 'signin', { email, password: PASSWORD }));
      expect(answer.statusCode).toBe(503);
      expect(answer.json()).toMatchObject({ error: { code: 'identity_store_unavailable' } });
      expect(answer.headers['retry-after']).toBe('1');
      expect(ms).toBeLessThan(1_000);
    }
    const signup = await post(app, 'signup', { email: `new-${email}`, password: PASSWORD });
    expect(signup.statusCode).toBe(503);
    const reset = await post(app, 'forgot-password', { email });
    expect(reset.json()).toMatchObject({ error: { code: 'identity_store_unavailable' } });
    // The breaker opened: calls stop reaching the database at all.
    expect(await breakerStateOf(app, 'postgres')).toBe('2');
    const refused = database.refusedCalls;
    await post(app, 'signin', { email, password: PASSWORD });
    expect(database.refusedCalls).toBe(refused);
    // Readiness says so too.
    expect((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(503);

    database.up();
    const began = performance.now();
    let answer = await post(app, 'signin', { email, password: PASSWORD });
    while (answer.statusCode !== 200 && performance.now() - began < 3_000) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      answer = await post(app, 'signin', { email, password: PASSWORD });
    }
    expect(answer.statusCode).toBe(200);
    expect(performance.now() - began).toBeLessThan(1_500);

    // One warning when it went down, one line when it came back; no error line at all.
    expect(transitions(logs, 'postgres').map((line) => line.event)).toEqual([
      'breaker.open',
      'breaker.closed',
    ]);
    expect(logs.atLeast(WARN).filter((line) => line.dependency === 'postgres')).toHaveLength(1);
    expect(logs.atLeast(ERROR)).toEqual([]);
  });

  it('draws the sign-in page again with a 503, its Retry-After and code, without logging an error', async () => {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const browser = new BrowserClient(
      `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
      { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0', accept: 'text/html' },
      ORIGIN,
    );
    const form = await browser.get('/auth/login');
    database.down();
    const answer = await browser.post('/auth/login', {
      form: {
        _csrf: BrowserClient.csrfTokenOf(form.body),
        email: 'ada@example.com',
        password: PASSWORD,
      },
    });
    expect(answer.status).toBe(503);
    expect(answer.headers['retry-after']).toBe('1');
    expect(answer.headers['x-authflow-error']).toBe('identity_store_unavailable');
    expect(answer.body).toContain('Accounts cannot be reached right now');
    expect(logs.atLeast(ERROR)).toEqual([]);
  });
});

describe('Redis unreachable', () => {
  let redis: RedisServerHandle;
  let app: FastifyInstance;
  let logs: CapturedLogs;
  beforeAll(async () => {
    redis = await startRedisServer();
    logs = captureLogs();
    app = await authApp(
      { REDIS_URL: redis.url, AUTH_LOG_LEVEL: 'info' },
      {
        database: await createPgliteDatabase('memory://'),
        mailer: createRecordingMailer(),
        logger: logs.logger,
      },
    );
  }, 60_000);
  afterAll(async () => {
    await app.close();
    await redis.kill();
  });

  it('answers sign-in 503 session_store_unavailable with Retry-After, never a 500, and recovers', async () => {
    const email = `redis-${Date.now()}@example.com`;
    expect((await post(app, 'signup', { email, password: PASSWORD })).statusCode).toBe(202);
    const signedIn = await post(app, 'signin', { email, password: PASSWORD });
    expect(signedIn.statusCode).toBe(200);
    await redis.stop();

    for (let i = 0; i < 8; i += 1) {
      const [answer, ms] = await timed(post(app, 'signin', { email, password: PASSWORD }));
      expect(answer.statusCode).toBe(503);
      expect(answer.json()).toMatchObject({ error: { code: 'session_store_unavailable' } });
      expect(answer.headers['retry-after']).toBe('5');
      expect(ms).toBeLessThan(1_000);
    }
    expect(await breakerStateOf(app, 'redis')).toBe('2');
    // Sign-out cannot end a session now: 503, and the cookie is kept to sign out again later,
    // whether auth was shown the cookie (straight to auth) or nothing (the gateway, its store
    // down too, passed the request without identity).
    const cookie = `authflow_session=${signedIn.cookies.find(({ name }) => name === 'authflow_session')?.value ?? ''}`;
    for (const headers of [{ cookie }, {}]) {
      const out = await app.inject({
        method: 'POST',
        url: '/api/v1/simple_auth/logout',
        headers: { 'content-type': 'application/json', origin: ORIGIN, ...headers },
        payload: '{}',
      });
      expect(out.statusCode).toBe(503);
      expect(out.json()).toMatchObject({ error: { code: 'session_store_unavailable' } });
      expect(out.headers['set-cookie']).toBeUndefined();
    }
    // Sign-up needs no Redis: it keeps working.
    expect(
      (await post(app, 'signup', { email: `during-${email}`, password: PASSWORD })).statusCode,
    ).toBe(202);

    await redis.restart();
    const began = performance.now();
    let answer = await post(app, 'signin', { email, password: PASSWORD });
    while (answer.statusCode !== 200 && performance.now() - began < 5_000) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      answer = await post(app, 'signin', { email, password: PASSWORD });
    }
    expect(answer.statusCode).toBe(200);
    expect(transitions(logs, 'redis').filter((line) => line.event === 'breaker.open')).toHaveLength(
      1,
    );
    expect(logs.atLeast(ERROR)).toEqual([]);
  });
});
