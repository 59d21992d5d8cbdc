// Issue 12, item 5 at the edge: the answers nginx makes itself (rate limited, a header too large,
// the gateway down) are pages a browser can act on, and JSON for everyone else.
import { getFreePort } from '@authflow/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EdgeHandle, startEdge } from './test-support/edge-harness.ts';
import { send, type SentResponse } from './test-support/http-client.ts';

/** What Chrome sends for a navigation (a link, the address bar, a form post). */
const navigation = {
  accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  'sec-fetch-mode': 'navigate',
};
const apiClient = { accept: 'application/json' };

interface ErrorBody {
  error: { code: string; message: string; request_id: string };
}

let edge: EdgeHandle;

beforeAll(async () => {
  // Nobody listens at the gateway's address: the gateway is down.
  const nobody = await getFreePort();
  edge = await startEdge({
    values: {
      AUTHFLOW_GATEWAY_ADDRESS: `127.0.0.1:${nobody}`,
      EDGE_RATE_AUTH: '6r/m',
      EDGE_RATE_AUTH_BURST: '1',
      EDGE_RATE_AUTH_RETRY_AFTER_SECONDS: '10',
    },
  });
});
afterAll(() => edge.stop());

function expectPage(response: SentResponse, status: number, code: string): void {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(response.headers['x-authflow-error']).toBe(code);
  expect(response.headers['cache-control']).toBe('no-store');
  expect(response.headers['content-security-policy']).toContain("default-src 'none'");
  expect(response.body).toMatch(/^<!doctype html>/u);
  // The include is filled: the page names the request id the response header carries.
  expect(response.body).not.toContain('<!--#');
  expect(response.body).toContain(
    `Reference <code>${String(response.headers['x-request-id'])}</code>`,
  );
}

function expectJson(response: SentResponse, status: number, code: string): ErrorBody {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(response.headers['x-authflow-error']).toBe(code);
  const body = response.json<ErrorBody>();
  expect(body.error.code).toBe(code);
  expect(body.error.request_id).toBe(response.headers['x-request-id']);
  return body;
}

describe('error pages at the edge', () => {
  it('answers a browser with a 503 page that says when to retry while the gateway is down, and an API client with JSON', async () => {
    const page = await send(edge.url, '/auth/login', { headers: navigation });
    expectPage(page, 503, 'upstream_unavailable');
    expect(page.headers['retry-after']).toBe('5');
    expect(page.body).toContain('Back in a moment');
    expect(page.body).toContain('Please try again in 5 seconds.');
    expect(page.body).toContain('<meta http-equiv="refresh" content="5">');
    expect(page.body).toContain('<a href="">Try again now</a>');

    const json = await send(edge.url, '/api/v1/simple_auth/signin', {
      method: 'POST',
      headers: { ...apiClient, 'content-type': 'application/json' },
      body: '{}',
    });
    expectJson(json, 503, 'upstream_unavailable');
    expect(json.headers['retry-after']).toBe('5');
  });

  it("follows the gateway's rule for who is a browser", async () => {
    const cases: [Record<string, string>, 'html' | 'json'][] = [
      [{ accept: 'text/html' }, 'html'],
      [{ accept: 'application/json, text/html' }, 'json'],
      [{ accept: 'application/vnd.api+json, text/html' }, 'json'],
      [{ accept: 'text/html', 'sec-fetch-mode': 'cors' }, 'json'],
      [{ accept: 'text/html', 'x-requested-with': 'XMLHttpRequest' }, 'json'],
      [{ accept: '*/*' }, 'json'],
      [{}, 'json'],
    ];
    for (const [headers, format] of cases) {
      const response = await send(edge.url, '/app/', { headers });
      expect(response.status).toBe(503);
      expect(response.headers['content-type'], JSON.stringify(headers)).toContain(
        format === 'html' ? 'text/html' : 'application/json',
      );
    }
  });

  it('tells a browser whose cookies overflow nginx header buffers that they are too large, and how to clear them', async () => {
    const cookie = `tracking=${'x'.repeat(20_000)}`;
    const page = await send(edge.url, '/app/', { headers: { ...navigation, cookie } });
    expectPage(page, 431, 'headers_too_large');
    expect(page.body).toContain('Your cookies are too large');
    expect(page.body).toContain('Clear the cookies of this site');

    const json = await send(edge.url, '/app/', { headers: { ...apiClient, cookie } });
    expectJson(json, 431, 'headers_too_large');
  });

  it("answers a browser's rate-limited sign-in form post with a 429 page that says when to retry", async () => {
    const post = (headers: Record<string, string>): Promise<SentResponse> =>
      send(edge.url, '/auth/login', {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'email=a%40example.com&password=x',
      });
    // EDGE_RATE_AUTH_BURST=1: the first post reaches for the (absent) gateway, the next is limited.
    expect((await post(navigation)).status).toBe(503);
    const page = await post(navigation);
    expectPage(page, 429, 'rate_limited');
    expect(page.headers['retry-after']).toBe('10');
    expect(page.body).toContain('Too many requests');
    expect(page.body).toContain('Please try again in 10 seconds.');
    expect(page.body).not.toContain('http-equiv="refresh"');

    const json = await post(apiClient);
    expectJson(json, 429, 'rate_limited');
    expect(json.headers['retry-after']).toBe('10');
  });

  it('serves every page without a warning in the error log', async () => {
    // Only the refused connections to the absent gateway and the limited posts are logged.
    expect(await edge.errorLog()).not.toMatch(/uninitialized|open\(\)|\[(?:crit|alert|emerg)\]/u);
  });
});
