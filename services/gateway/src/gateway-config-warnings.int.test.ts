// Old setting names still work for one release, and a gateway started with one says so once.
import { Writable } from 'node:stream';
import { createLogger } from '@authflow/observability';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type GatewayHarness, startGateway } from './testing/gateway-harness.js';

const lines: Record<string, unknown>[] = [];
const sink = new Writable({
  write(chunk: Buffer, _encoding, callback) {
    for (const line of chunk.toString().split('\n'))
      if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
    callback();
  },
});

let gateway: GatewayHarness;

beforeAll(async () => {
  gateway = await startGateway({
    redisUrl: inject('redisUrl'),
    env: { GATEWAY_FINGERPRINT_USER_AGENT: 'observe', GATEWAY_SESSION_IDLE_TTL_SECONDS: '900' },
    dependencies: { logger: createLogger({ service: 'gateway', level: 'info' }, sink) },
  });
});
afterAll(async () => {
  await gateway.close();
});

describe('a gateway started with deprecated setting names', () => {
  it('uses their values and logs one warning per old name at start, naming the new one', async () => {
    expect(gateway.config.fingerprint.policy.userAgent).toBe('observe');
    expect(gateway.config.sessions.idleTtlMs).toBe(900_000);
    await gateway.get('/health');
    const warnings = lines.filter((line) => line.event === 'config.deprecated');
    expect(warnings).toEqual([
      expect.objectContaining({
        setting: 'GATEWAY_SESSION_IDLE_TTL_SECONDS',
        replacement: 'AUTHFLOW_SESSION_IDLE_TTL_SECONDS',
      }),
      expect.objectContaining({
        level: 40,
        setting: 'GATEWAY_FINGERPRINT_USER_AGENT',
        replacement: 'AUTHFLOW_FINGERPRINT_USER_AGENT',
        msg: expect.stringContaining('set AUTHFLOW_FINGERPRINT_USER_AGENT instead') as unknown,
      }),
    ]);
  });
});
