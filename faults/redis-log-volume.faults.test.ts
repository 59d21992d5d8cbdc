// A Redis outage under steady load must not flood the logs (issue 12, item 7): one line per
// dependency state change and a periodic count of refused requests, never an error with a stack
// per request (before: 3,821 such lines for a 10 s outage at 100 req/s).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultStack, signedInAccount, startFaultStack } from './support/fault-stack.ts';
import { steadyLoad, timeToFirstOk } from './support/outage.ts';

/** Measured figures go to the test output. */
const report = (line: string): void => void process.stdout.write(`${line}\n`);

const OUTAGE_MS = 6_000;
const LOOPS = 5;
let stack: FaultStack;

beforeAll(async () => {
  stack = await startFaultStack({ scenario: 'redis-log-volume', redisAppendOnly: true });
});
afterAll(() => stack.stop());

describe('a Redis outage under steady load', () => {
  it('logs state changes and a refused count, not a line per request', async () => {
    const account = await signedInAccount(stack, 'volume');
    const before = stack.gateway.logLines().length;
    // About 100 requests a second: five clients, one request every 40 ms each.
    const loads = Array.from({ length: LOOPS }, () => steadyLoad(stack, account, 40));

    try {
      await stack.redis.kill();
      await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
      await stack.redis.restart();
      await timeToFirstOk(stack, account, 10_000);
      await new Promise((resolve) => setTimeout(resolve, 500));
    } finally {
      await Promise.all(loads.map((load) => load.stop()));
    }

    const refused = loads.flatMap((load) => load.statuses).filter((status) => status === 503);
    const lines = stack.gateway.logLines().slice(before);
    const loud = lines.filter((line) => Number(line.level) >= 40);
    const errors = lines.filter((line) => Number(line.level) >= 50);
    const withStack = lines.filter((line) => JSON.stringify(line).includes('"stack"'));
    const bytes = lines.reduce((sum, line) => sum + JSON.stringify(line).length + 1, 0);
    report(
      `redis log volume: ${refused.length} requests refused in a ${OUTAGE_MS} ms outage; ` +
        `${lines.length} log lines (${bytes} bytes), ${loud.length} at warn or above, ` +
        `${errors.length} errors, ${withStack.length} with a stack`,
    );
    for (const line of loud) report(`  ${String(line.level)} ${String(line.msg)}`);

    expect(refused.length).toBeGreaterThan(200);
    expect(errors).toEqual([]);
    expect(withStack).toEqual([]);
    // Breaker open, connection lost, subscription lost, one or two refused counts (and the
    // socket-free grace has nothing to close): a handful, whatever the request rate.
    expect(loud.length).toBeLessThanOrEqual(10);
    expect(lines.length).toBeLessThanOrEqual(30);
    const events = lines.map((line) => line.event);
    expect(events).toEqual(
      expect.arrayContaining([
        'breaker.open',
        'breaker.closed',
        'dependency.connection_lost',
        'dependency.connection_back',
        'dependency.subscription_lost',
        'dependency.subscription_live',
        'dependency.refused',
      ]),
    );
    const counted = lines
      .filter((line) => line.event === 'dependency.refused')
      .reduce((sum, line) => sum + Number(line.refused), 0);
    // Every refusal is counted (the recovery polls add a few of their own).
    expect(counted).toBeGreaterThanOrEqual(refused.length);
  });
});
