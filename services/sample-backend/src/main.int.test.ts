// `npm run start:sample-backend` as an operator runs it: a port already in use is one line
// naming the setting and exit 1, with no stack trace (issue 13).
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { runMainFromSource } from '@authflow/service-runtime/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const squatter = createServer();
let port = 0;

beforeAll(async () => {
  await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
  const address = squatter.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  port = address.port;
});
afterAll(() => new Promise<void>((resolve) => squatter.close(() => resolve())));

describe('the sample backend process', () => {
  it('says which setting to change when its port is already in use, and exits 1', async () => {
    const outcome = await runMainFromSource(MAIN, {
      env: { SAMPLE_BACKEND_PORT: String(port), SAMPLE_BACKEND_LOG_LEVEL: 'warn' },
    });
    expect(outcome.stderr).toBe(
      `AuthFlow sample backend: SAMPLE_BACKEND_PORT: port ${port} on 127.0.0.1 is already in use\n`,
    );
    expect(outcome.code).toBe(1);
  });
});
