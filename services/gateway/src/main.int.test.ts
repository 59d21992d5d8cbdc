// `npm run start:gateway` as an operator runs it (issue 13): a bad REDIS_URL, a dead Redis and a
// busy port are each one line naming the setting and exit 1, with no stack trace.
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { getFreePort } from '@authflow/testing';
import { runMainFromSource } from '@authflow/service-runtime/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const base = {
  AUTHFLOW_HANDOFF_SECRET: 'main-test-handoff-secret-0123456789abcdef',
  GATEWAY_LOG_LEVEL: 'silent',
};
const squatter = createServer();
let busyPort = 0;

beforeAll(async () => {
  await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
  const address = squatter.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  busyPort = address.port;
});
afterAll(() => new Promise<void>((resolve) => squatter.close(() => resolve())));

describe('the gateway process', () => {
  it('names REDIS_URL when it is not a Redis URL, beside a bad port', async () => {
    const outcome = await runMainFromSource(MAIN, {
      env: { ...base, REDIS_URL: 'redis//127.0.0.1', GATEWAY_PORT: 'abc' },
    });
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toContain('REDIS_URL: must be a redis://');
    expect(outcome.stderr).toContain('GATEWAY_PORT:');
    expect(outcome.stderr).not.toMatch(/\n\s+at /u);
  });

  it('names REDIS_URL in one line when Redis does not answer at start', async () => {
    const deadPort = await getFreePort();
    const outcome = await runMainFromSource(MAIN, {
      env: { ...base, REDIS_URL: `redis://127.0.0.1:${deadPort}`, GATEWAY_PORT: '0' },
      timeoutMs: 30_000,
    });
    expect(outcome.stderr).toBe(
      'AuthFlow gateway: REDIS_URL: no answer within 10 s (redis, revocations)\n',
    );
    expect(outcome.code).toBe(1);
  }, 40_000);

  it('names GATEWAY_PORT in one line when the port is in use', async () => {
    const outcome = await runMainFromSource(MAIN, {
      env: { ...base, REDIS_URL: inject('redisUrl'), GATEWAY_PORT: String(busyPort) },
      timeoutMs: 30_000,
    });
    expect(outcome.stderr).toBe(
      `AuthFlow gateway: GATEWAY_PORT: port ${busyPort} on 127.0.0.1 is already in use\n`,
    );
    expect(outcome.code).toBe(1);
  }, 40_000);
});
