// Clients that announce a body and vanish halfway (issue 12, item 1): the upstream must not be
// blamed, the gateway must not keep their connections, and sign-in stays up for everyone else.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FaultStack,
  signedInAccount,
  startFaultStack,
  waitUntil,
} from './support/fault-stack.ts';

const SIGNIN = '/api/v1/simple_auth/signin';
const LOGIN_PAGE = '/auth/login';

/** Opens a POST announcing `announced` bytes, writes `sent` of them, waits, then resets the socket. */
function abortMidBody(url: string, announced: number, sent: number, holdMs: number): Promise<void> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(
        [
          `POST ${SIGNIN} HTTP/1.1`,
          `Host: ${hostname}:${port}`,
          'Content-Type: application/json',
          `Content-Length: ${announced}`,
          '',
          '',
        ].join('\r\n'),
      );
      socket.write(`{"email":"a@b.c","password":"${'x'.repeat(Math.max(0, sent - 30))}`);
      setTimeout(() => {
        socket.resetAndDestroy();
        resolve();
      }, holdMs);
    });
    socket.on('error', () => resolve());
  });
}

async function authBreakerState(stack: FaultStack): Promise<number> {
  const metrics = await (await fetch(`${stack.gateway.url}/metrics`)).text();
  return Number(/breaker_state\{dependency="upstream:auth"\} (\d)/u.exec(metrics)?.[1] ?? -1);
}

describe('aborted request bodies', () => {
  let stack: FaultStack;
  beforeAll(async () => {
    stack = await startFaultStack({ scenario: 'aborted-bodies' });
  });
  afterAll(() => stack.stop());

  it('keeps sign-in up, blames no upstream and leaks no connection when 200 clients vanish mid-body', async () => {
    const account = await signedInAccount(stack);
    const baseline = await stack.gateway.openFds();
    let loginChecks = 0;
    let loginOk = 0;
    const aborting = { done: false };
    const prober = (async () => {
      while (!aborting.done) {
        const page = await fetch(`${stack.url}${LOGIN_PAGE}`, { headers: { accept: 'text/html' } });
        loginChecks += 1;
        if (page.status === 200) loginOk += 1;
        await new Promise((done) => setTimeout(done, 50));
      }
    })();
    // 200 clients in waves of 20: each announces 40 KB, sends about 10 KB, then resets.
    for (let wave = 0; wave < 10; wave += 1)
      await Promise.all(
        Array.from({ length: 20 }, () => abortMidBody(stack.url, 40_000, 10_000, 100)),
      );
    aborting.done = true;
    await prober;

    expect(loginOk).toBe(loginChecks);
    expect(await authBreakerState(stack)).toBe(0);
    // The gateway lets go of every aborted connection (a few fds of slack for keep-alive pools).
    const settledMs = await waitUntil(
      async () => (await stack.gateway.openFds()) <= baseline + 4,
      10_000,
      'gateway fds back to baseline',
    );
    process.stdout.write(
      `aborted bodies: login page ${loginOk}/${loginChecks} ok, fds ${baseline} → back within ${settledMs} ms\n`,
    );

    // Sign-in and the signed-in device still work.
    const signin = await fetch(`${stack.url}${SIGNIN}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: stack.url, ...account.headers },
      body: JSON.stringify({ email: account.email, password: account.password }),
    });
    expect(signin.status).toBe(200);
    const app = await fetch(`${stack.url}/app/api/profile`, { headers: account.headers });
    expect(app.status).toBe(200);
    // Nothing was logged at error level for clients that left.
    const errors = stack.gateway.logLines().filter((line) => Number(line.level) >= 50);
    expect(errors).toEqual([]);
  });
});
