import { connect } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createClientErrorHandler, isNavigationHead } from './client-error-handler.js';
import { hasErrorPage, renderErrorPage, renderSsiErrorPage } from './error-page.js';

describe('renderErrorPage', () => {
  it('tells a browser when to try again, links a retry and shows the request id', () => {
    const page = renderErrorPage({
      status: 503,
      code: 'upstream_unavailable',
      requestId: 'req-42',
      retryAfterSeconds: 5,
    });
    expect(page).toMatch(/^<!doctype html>/u);
    expect(page).toContain('<title>Back in a moment · AuthFlow</title>');
    expect(page).toContain('Please try again in 5 seconds.');
    expect(page).toContain('<meta http-equiv="refresh" content="5">');
    expect(page).toContain('<a href="">Try again now</a>');
    expect(page).toContain('Reference <code>req-42</code>');
    expect(page).toContain('Error 503 <code>upstream_unavailable</code>');
    // Self-contained: no script, no stylesheet or image from a service that may be down.
    expect(page).not.toMatch(/<script|<link rel="stylesheet"|<img/u);
  });

  it('says how to clear cookies on the 431 page, and offers no countdown there', () => {
    const page = renderErrorPage({ status: 431, code: 'headers_too_large', requestId: 'r1' });
    expect(page).toContain('Your cookies are too large');
    expect(page).toContain('Clear the cookies of this site');
    expect(page).not.toContain('Please try again');
    expect(page).not.toContain('http-equiv="refresh"');
  });

  it('never reloads a 429 or 504 page by itself, and says "in a moment" without Retry-After', () => {
    const limited = renderErrorPage({ status: 429, code: 'rate_limited', retryAfterSeconds: 6 });
    expect(limited).toContain('Please try again in 6 seconds.');
    expect(limited).not.toContain('http-equiv="refresh"');
    const timeout = renderErrorPage({ status: 504, code: 'upstream_timeout' });
    expect(timeout).toContain('Please try again in a moment.');
    expect(timeout).not.toContain('http-equiv="refresh"');
  });

  it('leaves out a request id, code or delay that is not plainly what it claims to be', () => {
    const page = renderErrorPage({
      status: 503,
      code: '<b>x</b>',
      requestId: '"><script>alert(1)</script>',
      retryAfterSeconds: 1.5,
    });
    expect(page).not.toContain('<script');
    expect(page).not.toContain('<b>x</b>');
    expect(page).not.toContain('Reference');
    expect(page).toContain('Please try again in a moment.');
    expect(renderErrorPage({ status: 503, code: 'x', retryAfterSeconds: 10 ** 9 })).toContain(
      'in a moment',
    );
  });

  it('has pages for exactly the statuses a browser can act on', () => {
    expect([429, 431, 502, 503, 504].every(hasErrorPage)).toBe(true);
    expect([400, 401, 403, 404, 413, 500].some(hasErrorPage)).toBe(false);
  });
});

describe('renderSsiErrorPage', () => {
  it('lets the web server fill the request id and the delay per response', () => {
    const page = renderSsiErrorPage(429, 'rate_limited', 'authflow_retry_after');
    expect(page).toContain('Reference <code><!--# echo var="request_id" --></code>');
    expect(page).toContain(
      'Please try again in <!--# echo var="authflow_retry_after" --> seconds.',
    );
    expect(() => renderSsiErrorPage(429, 'rate_limited', 'x" -->')).toThrow('variable');
  });
});

describe('isNavigationHead', () => {
  const head = (text: string): Buffer => Buffer.from(text.replaceAll('\n', '\r\n'));
  it('reads a browser navigation from the bytes the parser held', () => {
    expect(isNavigationHead(head('GET / HTTP/1.1\nAccept: text/html,*/*;q=0.8\nCookie: a'))).toBe(
      true,
    );
    expect(isNavigationHead(head('GET / HTTP/1.1\nsec-fetch-mode: navigate\nCookie: a'))).toBe(
      true,
    );
  });
  it('answers JSON to everything else', () => {
    expect(isNavigationHead(undefined)).toBe(false);
    expect(isNavigationHead(head('POST / HTTP/1.1\nAccept: text/html'))).toBe(false);
    expect(isNavigationHead(head('GET / HTTP/1.1\nAccept: application/json, text/html'))).toBe(
      false,
    );
    expect(isNavigationHead(head('GET / HTTP/1.1\nSec-Fetch-Mode: cors\nAccept: text/html'))).toBe(
      false,
    );
    expect(
      isNavigationHead(head('GET / HTTP/1.1\nX-Requested-With: XMLHttpRequest\nAccept: text/html')),
    ).toBe(false);
    expect(isNavigationHead(head('GET / HTTP/1.1\nAccept: */*'))).toBe(false);
  });
});

describe('createClientErrorHandler with pages', () => {
  const apps: FastifyInstance[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  /** Sends a raw request head to a server with a 1 KiB header limit; returns the raw answer. */
  async function overflow(pages: boolean, head: string): Promise<string> {
    const app = Fastify({
      http: { maxHeaderSize: 1024 },
      clientErrorHandler: createClientErrorHandler({
        badRequest: 'bad_request',
        headersTooLarge: 'headers_too_large',
        pages,
      }),
    });
    apps.push(app);
    app.get('/', () => 'ok');
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(`${head}\r\nCookie: big=${'y'.repeat(4096)}\r\n\r\n`);
      });
      let answer = '';
      socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
      socket.on('end', () => resolve(answer));
      socket.on('error', reject);
    });
  }

  it('answers a browser whose cookies overflow the header limit with the 431 page', async () => {
    const answer = await overflow(true, 'GET / HTTP/1.1\r\nHost: x\r\nAccept: text/html,*/*');
    expect(answer).toMatch(/^HTTP\/1\.1 431 /u);
    expect(answer).toContain('Content-Type: text/html; charset=utf-8');
    expect(answer).toContain('x-authflow-error: headers_too_large');
    expect(answer).toContain('Your cookies are too large');
  });

  it('keeps JSON for API clients, and for everyone unless pages are asked for', async () => {
    const api = await overflow(true, 'GET / HTTP/1.1\r\nHost: x\r\nAccept: application/json');
    expect(api).toContain('Content-Type: application/json');
    expect(api).toContain('"code":"headers_too_large"');
    const off = await overflow(false, 'GET / HTTP/1.1\r\nHost: x\r\nAccept: text/html');
    expect(off).toContain('Content-Type: application/json');
  });
});
