// What the Redis outage scenarios measure: requests that reached the backend, and how long after
// Redis answers again a signed-in device gets through.
import type { Account, FaultStack } from './fault-stack.ts';

/** Requests the sample backend has logged for `path` so far (its request log, one line each). */
export function backendRequests(stack: FaultStack, path: string): number {
  return stack.backend
    .logLines()
    .filter(
      (line) =>
        line.msg === 'incoming request' &&
        (line.req as { path?: unknown } | undefined)?.path === path,
    ).length;
}

/** GET /app/api/profile as the device, asking for JSON. */
export function profile(stack: FaultStack, account: Account): Promise<Response> {
  return fetch(`${stack.url}/app/api/profile`, {
    headers: { ...account.headers, accept: 'application/json' },
  });
}

/**
 * Milliseconds from now until the device's request is answered 200, polling every `everyMs`;
 * every other answer must be a 503 that keeps the cookie (an outage, not a sign-out).
 */
export async function timeToFirstOk(
  stack: FaultStack,
  account: Account,
  timeoutMs: number,
  everyMs = 50,
): Promise<{ ms: number; others: number[] }> {
  const began = Date.now();
  const others: number[] = [];
  while (Date.now() - began < timeoutMs) {
    const response = await profile(stack, account);
    await response.arrayBuffer();
    if (response.status === 200) return { ms: Date.now() - began, others };
    others.push(response.status);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(`no 200 within ${timeoutMs} ms (answers: ${others.slice(-5).join(', ')})`);
}

/** How often the gateway's Redis breaker has opened (its metric), trials that failed included. */
export async function redisBreakerOpenings(stack: FaultStack): Promise<number> {
  const text = await (await fetch(`${stack.gateway.url}/metrics`)).text();
  const match = /breaker_transitions_total\{dependency="redis",state="open"\} (\d+)/u.exec(text);
  return Number(match?.[1] ?? 0);
}

/** Requests as a steady client would send them (one every `everyMs`) until stopped. */
export function steadyLoad(
  stack: FaultStack,
  account: Account,
  everyMs = 50,
): { statuses: number[]; stop: () => Promise<void> } {
  const statuses: number[] = [];
  const state = { running: true };
  const loop = (async () => {
    while (state.running) {
      try {
        const response = await profile(stack, account);
        await response.arrayBuffer();
        statuses.push(response.status);
      } catch {
        // The gateway itself unreachable: recorded as 0 (no scenario here expects it).
        statuses.push(0);
      }
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    statuses,
    stop: async () => {
      state.running = false;
      await loop;
    },
  };
}
