// Issue 12, item 5: a browser gets a page it can act on when the gateway cannot serve it (auth
// down, upstream slow, cookies too large); API clients keep the JSON envelope.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chromeOnMac, startTestUpstream, type TestUpstream } from '@authflow/testing';
import { type GatewayHarness, startGateway } from '../testing/gateway-harness.js';

/** What Chrome sends for a navigation. */
const navigation = {
  ...chromeOnMac.headers,
  accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  'sec-fetch-mode': 'navigate',
};
const api = { ...chromeOnMac.headers, accept: 'application/json' };

let backend: TestUpstream;
let gateway: GatewayHarness;

beforeAll(async () => {
  backend = await startTestUpstream();
  gateway = await startGateway({
    redisUrl: inject('redisUrl'),
    routes: {
      upstreams: {
        // Nothing listens on port 9: the auth service is down.
        auth: { url: 'http://127.0.0.1:9' },
        'sample-backend': { url: backend.url, timeoutMs: 300 },
      },
      routes: [
        { prefix: '/auth/', upstream: 'auth', access: 'public', mode: 'browser' },
        { prefix: '/api/v1/simple_auth/', upstream: 'auth', access: 'public', mode: 'api' },
        { prefix: '/app/', upstream: 'sample-backend', access: 'protected', mode: 'auto' },
        { prefix: '/slow/', upstream: 'sample-backend', access: 'public', mode: 'auto' },
      ],
    },
    env: { GATEWAY_MAX_COOKIE_HEADER_BYTES: '4096', GATEWAY_MAX_HEADER_BYTES: '16384' },
  });
});
afterAll(async () => {
  await gateway.close();
  await backend.close();
});

describe('error pages at the gateway', () => {
  it('answers a browser opening the sign-in page while auth is down with a 503 page that says when to retry', async () => {
    const response = await gateway.get('/auth/login', navigation);
    expect(response.status).toBe(503);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['x-authflow-error']).toBe('upstream_unavailable');
    const retryAfter = String(response.headers['retry-after']);
    expect(retryAfter).toMatch(/^\d+$/u);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['content-security-policy']).toContain("default-src 'none'");
    expect(response.body).toContain('Back in a moment');
    expect(response.body).toContain(`Please try again in ${retryAfter} seconds.`);
    expect(response.body).toContain('<a href="">Try again now</a>');
    expect(response.body).toMatch(/Reference <code>[0-9a-f-]{36}<\/code>/u);
  });

  it('keeps JSON for API clients and script requests on the same routes', async () => {
    const apiCall = await gateway.send(
      'POST',
      '/api/v1/simple_auth/signin',
      { ...api, 'content-type': 'application/json' },
      '{"email":"a@example.com","password":"x"}',
    );
    expect(apiCall.status).toBe(503);
    expect(apiCall.headers['content-type']).toContain('application/json');
    expect(apiCall.json<{ error: { code: string } }>().error.code).toBe('upstream_unavailable');
    expect(apiCall.headers['retry-after']).toMatch(/^\d+$/u);

    const fetched = await gateway.get('/auth/login', { ...api, 'sec-fetch-mode': 'cors' });
    expect(fetched.status).toBe(503);
    expect(fetched.headers['content-type']).toContain('application/json');
    // An `api` route never gets a page, even for a navigation.
    const navigated = await gateway.get('/api/v1/simple_auth/signin', navigation);
    expect(navigated.headers['content-type']).toContain('application/json');
  });

  it('answers a browser with a 504 page when the upstream does not answer in time', async () => {
    backend.delayMs = 1_000;
    try {
      const page = await gateway.get('/slow/report', navigation);
      expect(page.status).toBe(504);
      expect(page.headers['x-authflow-error']).toBe('upstream_timeout');
      expect(page.body).toContain('This is taking too long');
      const json = await gateway.get('/slow/report', api);
      expect(json.status).toBe(504);
      expect(json.headers['content-type']).toContain('application/json');
    } finally {
      backend.delayMs = 0;
    }
  });

  it('tells a browser whose Cookie header is over the limit that its cookies are too large, and how to clear them', async () => {
    const cookie = `tracking=${'x'.repeat(6_000)}`;
    const page = await gateway.get('/app/', { ...navigation, cookie });
    expect(page.status).toBe(431);
    expect(page.headers['x-authflow-error']).toBe('headers_too_large');
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('Your cookies are too large');
    expect(page.body).toContain('Clear the cookies of this site');

    const json = await gateway.get('/app/', { ...api, cookie });
    expect(json.status).toBe(431);
    expect(json.json<{ error: { code: string } }>().error.code).toBe('headers_too_large');
  });

  it("shows the same page when the header block overflows Node's parser", async () => {
    const { port } = new URL(gateway.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write(
          'GET /app/ HTTP/1.1\r\nHost: localhost\r\nAccept: text/html\r\nSec-Fetch-Mode: navigate\r\n' +
            `Cookie: tracking=${'x'.repeat(20_000)}\r\n\r\n`,
        );
      });
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 431 /u);
    expect(answer).toContain('x-authflow-error: headers_too_large');
    expect(answer).toContain('Your cookies are too large');
  });

  it('keeps JSON for errors a page would not help with (404)', async () => {
    const response = await gateway.get('/nowhere', navigation);
    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toContain('application/json');
  });
});
