import { describe, expect, it } from 'vitest';
import { sendRaw, startJwksServer } from '@authflow/testing';
import { startSampleBackend } from './test-support/sample-backend-harness.js';
import { createTestGatewayKey, signTestAssertion } from './test-support/test-gateway-key.js';

// Split mode: no keys in-process, the gateway's public keys come from its JWKS URL.
describe('with the gateway keys fetched from its JWKS URL', () => {
  it('verifies assertions against the published keys and is ready', async () => {
    const key = await createTestGatewayKey();
    const jwks = await startJwksServer(key.jwks.keys);
    const backend = await startSampleBackend({
      env: { SAMPLE_BACKEND_GATEWAY_JWKS_URL: jwks.url },
    });
    try {
      const ready = await sendRaw(backend.url, 'GET', '/health/ready');
      expect(ready.status).toBe(200);
      const profile = await sendRaw(backend.url, 'GET', '/app/api/profile', {
        'x-authflow-assertion': await signTestAssertion(key),
      });
      expect(profile.status).toBe(200);
    } finally {
      await backend.close();
    }
  });

  it('is not ready and answers 503 with Retry-After while the keys cannot be fetched', async () => {
    const key = await createTestGatewayKey();
    const jwks = await startJwksServer(key.jwks.keys);
    await jwks.stop();
    const backend = await startSampleBackend({
      env: { SAMPLE_BACKEND_GATEWAY_JWKS_URL: jwks.url },
    });
    try {
      const ready = await sendRaw(backend.url, 'GET', '/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.json()).toMatchObject({ status: 'not_ready' });
      const profile = await sendRaw(backend.url, 'GET', '/app/api/profile', {
        'x-authflow-assertion': await signTestAssertion(key),
      });
      expect(profile.status).toBe(503);
      expect(profile.headers['retry-after']).toBe('5');
      expect(profile.json()).toMatchObject({ error: { code: 'upstream_unavailable' } });
      // Still 401 for a request that carries no assertion at all: nothing to fetch keys for.
      expect((await sendRaw(backend.url, 'GET', '/app/api/profile')).status).toBe(401);
    } finally {
      await backend.close();
    }
  });

  it('is not ready while the JWKS URL answers with an error', async () => {
    const jwks = await startJwksServer([]);
    jwks.setMode('error');
    const backend = await startSampleBackend({
      env: { SAMPLE_BACKEND_GATEWAY_JWKS_URL: jwks.url },
    });
    try {
      const ready = await sendRaw(backend.url, 'GET', '/health/ready');
      expect(ready.json()).toEqual({
        status: 'not_ready',
        checks: { gateway_keys: 'failed' },
      });
    } finally {
      await backend.close();
    }
  });
});
