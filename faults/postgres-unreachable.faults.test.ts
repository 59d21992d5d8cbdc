// The built-in store's Postgres unreachable while the split stack runs: auth talks to the
// machine's Postgres through a TCP forwarder the test stops (connections refused and cut) or
// freezes (connections accepted, nothing answers). Sign-in answers 503 identity_store_unavailable
// with Retry-After within a bounded time, signed-in devices keep reaching the app (the gateway
// needs no Postgres), no cookie is cleared, and sign-in works again once Postgres is back.
// With the shipped routes: their `countServerErrors: false` on the auth upstream keeps auth's
// deliberate 503s from opening the gateway's auth breaker (else: `upstream_unavailable`).
import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket, connect } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Account,
  clearsSessionCookie,
  signedInAccount,
  waitUntil,
} from './support/fault-stack.ts';
import { report, useFaultStack } from './support/scenario.ts';

const POSTGRES = { host: '127.0.0.1', port: 5432 };
const ADMIN_URL =
  process.env.AUTH_TEST_POSTGRES_URL ??
  `postgres://postgres@${POSTGRES.host}:${POSTGRES.port}/postgres`;
const DATABASE = 'authflow_faults_postgres';

/** Creates the test database; the reason it cannot when no Postgres answers. */
async function preparePostgres(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query(`drop database if exists ${DATABASE} with (force)`);
    await client.query(`create database ${DATABASE}`);
    return undefined;
  } catch (error) {
    return `no Postgres at ${ADMIN_URL} (${(error as Error).message}); run .ci/run or set AUTH_TEST_POSTGRES_URL`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A TCP forwarder to Postgres that can refuse (stopped), hang (frozen) or forward (running). */
class Forwarder {
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;
  #frozen = false;
  port = 0;

  async start(): Promise<void> {
    this.#frozen = false;
    const server = createServer((client) => this.#accept(client));
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  /** Nothing listens any more and every open connection is cut, as when Postgres goes away. */
  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
    const server = this.#server;
    this.#server = undefined;
    if (server !== undefined) await new Promise((resolve) => server.close(resolve));
  }

  /** Connections stay open and new ones are accepted, but no byte goes through (a wedged host). */
  freeze(): void {
    this.#frozen = true;
    for (const socket of this.#sockets) socket.pause();
  }

  #accept(client: Socket): void {
    this.#sockets.add(client);
    client.on('error', () => undefined);
    client.on('close', () => this.#sockets.delete(client));
    if (this.#frozen) return;
    const upstream = connect(POSTGRES);
    this.#sockets.add(upstream);
    upstream.on('error', () => client.destroy());
    upstream.on('close', () => {
      this.#sockets.delete(upstream);
      client.destroy();
    });
    client.on('close', () => upstream.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  }
}

const skipReason = await preparePostgres();
if (skipReason !== undefined) process.stdout.write(`SKIPPED postgres-unreachable: ${skipReason}\n`);

describe.skipIf(skipReason !== undefined)('the built-in store Postgres unreachable', () => {
  const forwarder = new Forwarder();
  // Registered before the stack: runs after it stopped, so auth never loses Postgres mid-shutdown.
  afterAll(() => forwarder.stop());
  const stack = useFaultStack(async () => {
    await forwarder.start();
    return {
      scenario: 'postgres-unreachable',
      authEnv: {
        AUTH_DATABASE_URL: `postgres://postgres@127.0.0.1:${forwarder.port}/${DATABASE}`,
        // Required with a Postgres server (second-factor secrets are encrypted with it).
        AUTH_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
        AUTH_DATABASE_CONNECT_TIMEOUT_MS: '1000',
        AUTH_DATABASE_QUERY_TIMEOUT_MS: '1500',
        AUTH_BREAKER_RESET_MS: '1000',
        AUTH_ARGON2_MEMORY_KIB: '1024',
        AUTH_ARGON2_ITERATIONS: '1',
      },
    };
  });
  let account: Account;
  beforeAll(async () => {
    account = await signedInAccount(stack, 'pg');
  });

  const signIn = () =>
    fetch(`${stack.url}/api/v1/simple_auth/signin`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: stack.url, ...account.headers },
      body: JSON.stringify({ email: account.email, password: account.password }),
    });

  async function expectUnavailableSignIns(count: number, boundMs: number): Promise<number> {
    let slowest = 0;
    for (let i = 0; i < count; i += 1) {
      const began = Date.now();
      const answer = await signIn();
      slowest = Math.max(slowest, Date.now() - began);
      expect(answer.status).toBe(503);
      expect(((await answer.json()) as { error: { code: string } }).error.code).toBe(
        'identity_store_unavailable',
      );
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(clearsSessionCookie(answer)).toBe(false);
    }
    expect(slowest).toBeLessThan(boundMs);
    return slowest;
  }

  async function expectSignedInDeviceServed(): Promise<void> {
    const app = await fetch(`${stack.url}/app/api/profile`, { headers: account.headers });
    expect(app.status).toBe(200);
    expect(clearsSessionCookie(app)).toBe(false);
    // /me asks the store for the user: unavailable, but the session (and cookie) stay.
    const me = await fetch(`${stack.url}/api/v1/simple_auth/me`, {
      headers: { ...account.headers, accept: 'application/json' },
    });
    expect(me.status).toBe(503);
    expect(clearsSessionCookie(me)).toBe(false);
  }

  async function recoveryMs(): Promise<number> {
    return waitUntil(
      async () => (await signIn()).status === 200,
      15_000,
      'sign-in after recovery',
      100,
    );
  }

  const openTransitions = () =>
    stack.auth
      .logLines()
      .filter((line) => line.dependency === 'postgres' && line.event === 'breaker.open').length;

  it('refused connections: sign-in answers 503 at once, sessions keep working, and it recovers', async () => {
    expect((await signIn()).status).toBe(200);
    await forwarder.stop();

    const slowest = await expectUnavailableSignIns(12, 3_000);
    await expectSignedInDeviceServed();
    // The breaker opens once failures outweigh the window's earlier successes: one warning.
    await waitUntil(
      async () => {
        await signIn();
        return openTransitions() > 0;
      },
      15_000,
      'the postgres breaker opening',
      100,
    );
    expect(openTransitions()).toBe(1);

    await forwarder.start();
    const recovered = await recoveryMs();
    report(
      `postgres refused: slowest 503 ${slowest} ms; sign-in works again ${recovered} ms after Postgres is back`,
    );
    expect(recovered).toBeLessThan(5_000);
  });

  it('a wedged connection (accepted, never answered): 503 within the timeouts, never a hang', async () => {
    forwarder.freeze();

    const slowest = await expectUnavailableSignIns(8, 4_000);
    await expectSignedInDeviceServed();
    expect(openTransitions()).toBe(2);

    await forwarder.stop();
    await forwarder.start();
    const recovered = await recoveryMs();
    report(
      `postgres wedged: slowest 503 ${slowest} ms; sign-in works again ${recovered} ms after Postgres is back`,
    );
    const errors = stack.auth.logLines().filter((line) => Number(line.level) >= 50);
    expect(errors).toEqual([]);
  });
});
