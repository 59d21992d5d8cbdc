// `npm run start:auth` as an operator runs it (issue 13): bad connection URLs and a dead Redis
// are one line naming the setting and exit 1, with no stack trace.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getFreePort } from '@authflow/testing';
import { runMainFromSource } from '@authflow/service-runtime/testing';
import { describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const base = {
  AUTHFLOW_HANDOFF_SECRET: 'main-test-handoff-secret-0123456789abcdef',
  AUTH_LOG_LEVEL: 'silent',
};

describe('the auth process', () => {
  it('names AUTH_DATABASE_URL and REDIS_URL when they are not URLs of their kind, with no stack', async () => {
    const outcome = await runMainFromSource(MAIN, {
      env: {
        ...base,
        AUTH_DATABASE_URL: 'notaurl',
        REDIS_URL: 'redis//127.0.0.1',
        AUTH_PORT: 'abc',
      },
    });
    expect(outcome.code).toBe(1);
    for (const setting of ['AUTH_DATABASE_URL:', 'REDIS_URL:', 'AUTH_PORT:'])
      expect(outcome.stderr).toContain(setting);
    expect(outcome.stderr).not.toMatch(/\n\s+at /u);
    expect(outcome.stderr).not.toContain('ENOTFOUND');
  });

  it('names REDIS_URL in one line when Redis does not answer at start', async () => {
    const deadPort = await getFreePort();
    const outcome = await runMainFromSource(MAIN, {
      env: {
        ...base,
        REDIS_URL: `redis://127.0.0.1:${deadPort}`,
        AUTH_PORT: '0',
        AUTH_DATA_DIR: join(await mkdtemp(join(tmpdir(), 'auth-main-')), 'data'),
      },
      timeoutMs: 60_000,
    });
    expect(outcome.stderr).toBe('AuthFlow auth: REDIS_URL: no answer within 10 s (redis)\n');
    expect(outcome.code).toBe(1);
  }, 70_000);
});
