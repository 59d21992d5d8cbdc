// The sample backend killed (SIGKILL) under a signed-in device's traffic and started again: the
// device gets 503 upstream_unavailable with Retry-After (JSON for the API, a page for a browser
// navigation), the upstream's breaker opens, the cookie is never cleared and the session keeps
// working on auth's routes; once the backend listens again, the device is back within a bound.
import { describe, expect, it } from 'vitest';
import {
  type Account,
  clearsSessionCookie,
  type FaultStack,
  signedInAccount,
  waitUntil,
} from './support/fault-stack.ts';
import { navigate } from './support/navigate.ts';
import { profile, timeToFirstOk } from './support/outage.ts';
import { expectOutageAnswer, report, useFaultStack } from './support/scenario.ts';

/**
 * From the backend answering /health/ready again to the device's first 200. The gateway probes a
 * refused upstream every 500 ms while its breaker is open; without that, the device waits for the
 * breaker's 5 s reset (about 4 s here, measured on the code before the probe).
 */
const RECOVERY_GOAL_MS = 2_000;

async function upstreamBreakerState(stack: FaultStack): Promise<number> {
  const metrics = await (await fetch(`${stack.gateway.url}/metrics`)).text();
  const match = /breaker_state\{dependency="upstream:sample-backend"\} (\d)/u.exec(metrics);
  return Number(match?.[1] ?? -1);
}

/** The device's requests, one every `everyMs`, recording each status and any cleared cookie. */
function deviceTraffic(stack: FaultStack, account: Account, everyMs = 25) {
  const statuses = new Map<number, number>();
  const state = { running: true, cookieCleared: false };
  const loop = (async () => {
    while (state.running) {
      const response = await profile(stack, account).catch(() => undefined);
      await response?.arrayBuffer();
      const status = response?.status ?? 0;
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (response !== undefined && clearsSessionCookie(response)) state.cookieCleared = true;
      await new Promise((done) => setTimeout(done, everyMs));
    }
  })();
  return {
    statuses,
    get cookieCleared() {
      return state.cookieCleared;
    },
    stop: async () => {
      state.running = false;
      await loop;
    },
  };
}

describe('the sample backend killed under traffic', () => {
  const stack = useFaultStack({ scenario: 'upstream-killed' });

  it('answers 503 with Retry-After, opens the breaker, keeps the session, and recovers once it is back', async () => {
    const account = await signedInAccount(stack);
    expect((await profile(stack, account)).status).toBe(200);
    const traffic = deviceTraffic(stack, account);
    try {
      await new Promise((done) => setTimeout(done, 300));
      await stack.backend.kill();
      const killedAt = performance.now();

      // The API: 503 upstream_unavailable, JSON, Retry-After, the cookie kept.
      await waitUntil(
        async () => (await profile(stack, account)).status === 503,
        2_000,
        'the gateway noticing the backend is gone',
      );
      const api = await profile(stack, account);
      expectOutageAnswer(api, 'upstream_unavailable');
      expect(api.headers.get('content-type')).toContain('application/json');
      expect(((await api.json()) as { error: { code: string } }).error.code).toBe(
        'upstream_unavailable',
      );

      // The breaker opens under the device's traffic; then answers come without a connect.
      const openedIn = await waitUntil(
        async () => (await upstreamBreakerState(stack)) === 2,
        5_000,
        'the sample-backend breaker opening',
      );
      const quick: number[] = [];
      for (let index = 0; index < 5; index += 1) {
        const began = performance.now();
        const response = await profile(stack, account);
        await response.arrayBuffer();
        quick.push(performance.now() - began);
        expect(response.status).toBe(503);
      }

      // A browser navigation gets the retry page, with Retry-After and the cookie kept.
      const page = await navigate(`${stack.url}/app/`, account.headers);
      expect(page.status).toBe(503);
      expect(String(page.headers['content-type'])).toContain('text/html');
      expect(page.headers['retry-after']).toMatch(/^\d+$/u);
      expect(page.headers['x-authflow-error']).toBe('upstream_unavailable');
      expect(String(page.headers['set-cookie'] ?? '')).not.toMatch(/session=/u);

      // The session itself is fine: auth's protected routes still know the device.
      const me = await fetch(`${stack.url}/api/v1/simple_auth/me`, {
        headers: { ...account.headers, accept: 'application/json' },
      });
      expect(me.status).toBe(200);
      expect(((await me.json()) as { user?: { email?: string } }).user?.email).toBe(account.email);

      // Back: the first 200 within the bound after the backend answers /health/ready.
      const restartAt = performance.now();
      await stack.backend.start();
      const readyAt = performance.now();
      const recovery = await timeToFirstOk(stack, account, 10_000, 25);
      report(
        `upstream killed: breaker open ${openedIn} ms after noticing (${Math.round(
          restartAt - killedAt,
        )} ms from kill to restart); answers while open ${quick
          .map((ms) => Math.round(ms))
          .join('/')} ms; backend ready in ${Math.round(readyAt - restartAt)} ms; first 200 ${
          recovery.ms
        } ms after ready (${recovery.others.length} answers of 503 meanwhile)`,
      );
      expect(recovery.ms).toBeLessThan(RECOVERY_GOAL_MS);
      expect(recovery.others.every((status) => status === 503)).toBe(true);
      expect(Math.max(...quick)).toBeLessThan(250);
    } finally {
      await traffic.stop();
    }
    report(
      `upstream killed, device traffic: ${JSON.stringify(Object.fromEntries(traffic.statuses))}`,
    );
    // Every answer was a 200 or a 503 outage answer; none cleared the cookie.
    expect([...traffic.statuses.keys()].every((status) => status === 200 || status === 503)).toBe(
      true,
    );
    expect(traffic.cookieCleared).toBe(false);
    expect(await upstreamBreakerState(stack)).toBe(0);
  });
});
