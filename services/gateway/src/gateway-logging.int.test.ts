import { Writable } from 'node:stream';
import { createLogger } from '@authflow/observability';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chromeOnMac, firefoxOnLinux } from './test-support/browsers.js';
import { type GatewayHarness, startGateway } from './test-support/gateway-harness.js';
import { startTestUpstream, type TestUpstream } from './test-support/test-upstream.js';

const lines: Record<string, unknown>[] = [];
const sink = new Writable({
  write(chunk: Buffer, _encoding, callback) {
    for (const line of chunk.toString().split('\n'))
      if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
    callback();
  },
});

let backend: TestUpstream;
let gateway: GatewayHarness;

beforeAll(async () => {
  backend = await startTestUpstream();
  gateway = await startGateway({
    redisUrl: inject('redisUrl'),
    backendUrl: backend.url,
    env: { GATEWAY_ACCESS_LOG_SAMPLE_RATE: '100' },
    dependencies: { logger: createLogger({ service: 'gateway', level: 'debug' }, sink) },
  });
});
afterAll(async () => {
  await gateway.close();
  await backend.close();
});

describe('gateway logs', () => {
  it('record denials and revocations as audit events and never contain a token, cookie or assertion', async () => {
    const { cookie, session } = await gateway.signIn(chromeOnMac);
    const token = cookie.split('=')[1] ?? '';
    await gateway.get('/app/ok?token=query-secret', {
      ...chromeOnMac.headers,
      cookie,
      authorization: 'Bearer api-secret',
    });
    const assertion = String(backend.received.at(-1)?.headers['x-authflow-assertion']);
    await gateway.get('/app/denied', { accept: 'application/json' });
    await gateway.get('/app/stolen', {
      ...firefoxOnLinux.headers,
      cookie,
      accept: 'application/json',
    });

    const text = JSON.stringify(lines);
    for (const secret of [token, assertion, 'query-secret', 'api-secret'])
      expect(text).not.toContain(secret);
    const audits = lines.filter((line) => line.audit === true);
    expect(audits).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          event: 'access.denied',
          reason: 'unauthenticated',
          path: '/app/denied',
        }),
        expect.objectContaining({
          event: 'session.revoked',
          reason: 'fingerprint_mismatch',
          sessionId: session.id,
          userId: session.userId,
          parts: ['userAgent', 'language'],
        }),
        expect.objectContaining({
          event: 'access.denied',
          reason: 'fingerprint_mismatch',
          path: '/app/stolen',
        }),
      ]),
    );
    // The sampled access log carries the path without its query string.
    expect(
      lines.some((line) => line.msg === 'request' && JSON.stringify(line).includes('/app/ok')),
    ).toBe(true);
  });
  it('log an IP change allowed by the default policy, without the addresses themselves', async () => {
    // Signed in from another network; the request comes from loopback.
    const { cookie, session } = await gateway.signIn({ ...chromeOnMac, ip: '198.51.100.20' });
    const moved = await gateway.get('/app/moved', { ...chromeOnMac.headers, cookie });
    expect(moved.status).toBe(200);
    const observed = lines.find(
      (line) => line.event === 'fingerprint.observed_difference' && line.sessionId === session.id,
    );
    expect(observed).toMatchObject({ parts: ['ip'], msg: 'fingerprint part changed' });
    expect(JSON.stringify(observed)).not.toContain('198.51.100.20');
  });
});
