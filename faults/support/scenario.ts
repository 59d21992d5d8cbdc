// What the outage scenarios share besides the stack itself: one stack per file (or describe),
// started before its tests and stopped after them; what an outage answer looks like; and a line
// of measured figures in the test output. Each scenario keeps its own steps and bounds.
import { afterAll, beforeAll, expect } from 'vitest';
import {
  clearsSessionCookie,
  type FaultStack,
  type FaultStackOptions,
  startFaultStack,
  waitUntil,
} from './fault-stack.ts';
import { redisBreakerOpenings } from './outage.ts';

/**
 * Issue 12 (item 4) asks for recovery within 5 s of Redis answering. By design it takes at most
 * a reconnect (the client retries at least once a second) plus a probe (500 ms); the bound leaves
 * room for a loaded machine and still fails a recovery that waits for the breaker's reset timeout
 * after a failed trial (which measured about 5 s with the old 5 s reset).
 */
export const REDIS_RECOVERY_GOAL_MS = 3_500;

/** Measured figures go to the test output. */
export function report(line: string): void {
  process.stdout.write(`${line}\n`);
}

/**
 * A fault stack for the enclosing describe block (or file): started in `beforeAll`, stopped in
 * `afterAll`. Options may be computed when the stack starts (a port known only then). The stack
 * is read through the returned handle, which forwards to the running stack, so tests use it as
 * they would the stack itself. Vitest runs `afterAll` hooks in reverse order: one registered
 * after this call runs before the stack stops, one registered before it runs after.
 */
export function useFaultStack(
  options: FaultStackOptions | (() => Promise<FaultStackOptions> | FaultStackOptions),
): FaultStack {
  let running: FaultStack | undefined;
  beforeAll(async () => {
    running = await startFaultStack(typeof options === 'function' ? await options() : options);
  });
  afterAll(async () => {
    await running?.stop();
  });
  const current = (): FaultStack => {
    if (running === undefined) throw new Error('the fault stack is read before it started');
    return running;
  };
  return new Proxy({} as FaultStack, {
    get: (_target, property) => Reflect.get(current(), property) as unknown,
  });
}

/** An outage, not a sign-out: 503 with Retry-After and this code, and the session cookie kept. */
export function expectOutageAnswer(response: Response, code: string): void {
  expect(response.status).toBe(503);
  expect(response.headers.get('retry-after')).toMatch(/^\d+$/u);
  expect(response.headers.get('x-authflow-error')).toBe(code);
  expect(clearsSessionCookie(response)).toBe(false);
}

/**
 * Waits until a failed trial re-opens the gateway's Redis breaker (clients keep asking meanwhile):
 * Redis coming back just then is the worst moment for a recovery that waits for the reset timeout.
 */
export async function redisBreakerReopened(stack: FaultStack): Promise<void> {
  const openings = await redisBreakerOpenings(stack);
  await waitUntil(
    async () => (await redisBreakerOpenings(stack)) > openings,
    15_000,
    'the breaker re-opening after a failed trial',
  );
}
