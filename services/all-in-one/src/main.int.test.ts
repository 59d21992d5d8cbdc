// `npm start` as a newcomer runs it: one of the stack's ports already taken is one line naming
// the setting and exit 1, with no stack trace (issue 13).
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runMainFromSource } from '@authflow/service-runtime/testing';
import { getFreePort } from '@authflow/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
let folder: string;
let squatter: Server;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'authflow-all-in-one-main-'));
  squatter = createServer();
  await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise<void>((resolve) => squatter.close(() => resolve()));
  await rm(folder, { recursive: true, force: true });
});

describe('npm start', () => {
  it('names AUTH_PORT when auth cannot have its port (the gateway could) and exits 1', async () => {
    const address = squatter.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    const [gatewayPort, backendPort] = await Promise.all([getFreePort(), getFreePort()]);
    const outcome = await runMainFromSource(MAIN, {
      env: {
        GATEWAY_PORT: String(gatewayPort),
        AUTH_PORT: String(address.port),
        SAMPLE_BACKEND_PORT: String(backendPort),
        AUTH_DATA_DIR: join(folder, 'data'),
        AUTH_OUTBOX_DIR: join(folder, 'outbox'),
        GATEWAY_LOG_LEVEL: 'error',
        AUTH_LOG_LEVEL: 'error',
        SAMPLE_BACKEND_LOG_LEVEL: 'error',
      },
      timeoutMs: 60_000,
    });
    expect(outcome.stderr).toBe(
      `AuthFlow: AUTH_PORT: port ${address.port} on 127.0.0.1 is already in use\n`,
    );
    expect(outcome.code).toBe(1);
    expect(outcome.stdout).not.toContain('AuthFlow is running');
  }, 90_000);
});
