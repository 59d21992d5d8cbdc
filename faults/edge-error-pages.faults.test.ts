// Fault: what clients see through the nginx edge when the edge answers itself: its rate limit,
// cookies too large for its header buffers, the gateway killed. Browsers get pages that say what
// to do, API clients the gateway's JSON shape. Issue 12, item 5.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultStack, startFaultStack, waitUntil } from './support/fault-stack.ts';
import { navigate, type PageResponse } from './support/navigate.ts';

interface ErrorBody {
  error: { code: string; request_id: string };
}

function expectPage(response: PageResponse, status: number, code: string): void {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(response.headers['x-authflow-error']).toBe(code);
  expect(response.body).toMatch(/^<!doctype html>/u);
  // The page names the request id every log line of the request carries.
  expect(response.body).toContain(
    `Reference <code>${String(response.headers['x-request-id'])}</code>`,
  );
}

async function expectJson(response: Response, status: number, code: string): Promise<void> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toContain('application/json');
  expect(response.headers.get('x-authflow-error')).toBe(code);
  const body = (await response.json()) as ErrorBody;
  expect(body.error.code).toBe(code);
  expect(body.error.request_id).toBe(response.headers.get('x-request-id'));
}

describe('error pages at the edge', () => {
  let stack: FaultStack;
  beforeAll(async () => {
    stack = await startFaultStack({
      scenario: 'edge-error-pages',
      edge: true,
      // One sign-in POST every 10 s per client, two at once.
      edgeValues: {
        EDGE_RATE_AUTH: '6r/m',
        EDGE_RATE_AUTH_BURST: '1',
        EDGE_RATE_AUTH_RETRY_AFTER_SECONDS: '10',
      },
    });
  });
  afterAll(() => stack.stop());

  it("answers a browser's rate-limited sign-in form with a 429 page that says when to retry, and an API client with JSON", async () => {
    const form = 'email=ada%40example.com&password=wrong';
    const answers: PageResponse[] = [];
    for (let attempt = 0; attempt < 3; attempt += 1)
      answers.push(await navigate(`${stack.url}/auth/login`, {}, form));
    // The first two reach auth (whatever it answers); the third is the edge's.
    expect(answers.slice(0, 2).map(({ status }) => status)).not.toContain(429);
    const limited = answers[2];
    if (limited === undefined) throw new Error('no third answer');
    expectPage(limited, 429, 'rate_limited');
    expect(limited.headers['retry-after']).toBe('10');
    expect(limited.body).toContain('Too many requests');
    expect(limited.body).toContain('Please try again in 10 seconds.');
    expect(limited.body).toContain('<a href="">Try again now</a>');

    const api = await fetch(`${stack.url}/api/v1/simple_auth/signin`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: '{"email":"ada@example.com","password":"wrong"}',
    });
    await expectJson(api, 429, 'rate_limited');
    expect(api.headers.get('retry-after')).toBe('10');
    // GETs of the sign-in page are not limited.
    expect((await navigate(`${stack.url}/auth/login`)).status).toBe(200);
  });

  it('tells a browser its cookies are too large, at the edge and at the gateway behind it', async () => {
    // Over nginx's 16 KB header buffers: the edge answers itself.
    const huge = `tracking=${'x'.repeat(20_000)}`;
    const atEdge = await navigate(`${stack.url}/app/`, { cookie: huge });
    expectPage(atEdge, 431, 'headers_too_large');
    expect(atEdge.body).toContain('Your cookies are too large');
    expect(atEdge.body).toContain('Clear the cookies of this site');
    await expectJson(
      await fetch(`${stack.url}/app/`, { headers: { accept: 'application/json', cookie: huge } }),
      431,
      'headers_too_large',
    );

    // Within nginx's buffers, over the gateway's 8 KB Cookie limit: the gateway's page, passed on.
    const large = `tracking=${'x'.repeat(10_000)}`;
    const atGateway = await navigate(`${stack.url}/app/`, { cookie: large });
    expectPage(atGateway, 431, 'headers_too_large');
    expect(atGateway.body).toContain('Clear the cookies of this site');
    await expectJson(
      await fetch(`${stack.url}/app/`, { headers: { accept: 'application/json', cookie: large } }),
      431,
      'headers_too_large',
    );
  });

  it('shows browsers a 503 page while the gateway is down, answers API clients in JSON, and serves again once it is back', async () => {
    await stack.gateway.kill();
    const page = await navigate(`${stack.url}/app/`);
    expectPage(page, 503, 'upstream_unavailable');
    expect(page.headers['retry-after']).toBe('5');
    expect(page.body).toContain('Back in a moment');
    expect(page.body).toContain('Please try again in 5 seconds.');
    expect(page.body).toContain('<meta http-equiv="refresh" content="5">');

    const api = await fetch(`${stack.url}/api/v1/simple_auth/me`, {
      headers: { accept: 'application/json' },
    });
    await expectJson(api, 503, 'upstream_unavailable');
    expect(api.headers.get('retry-after')).toBe('5');

    const began = Date.now();
    await stack.gateway.start({ waitReady: false });
    const ms = await waitUntil(
      async () => (await navigate(`${stack.url}/auth/login`)).status === 200,
      30_000,
      'the sign-in page through the edge after the gateway restarted',
      100,
    );
    process.stdout.write(
      `[edge-error-pages] the edge serves again ${ms} ms after the gateway was restarted (${Date.now() - began} ms in all)\n`,
    );
  });
});
