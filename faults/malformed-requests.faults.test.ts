// Malformed and hostile requests on raw sockets: for every one the gateway answers 4xx or closes
// the connection, never 5xx, stays up, and nothing reaches a backend without a valid session.
// With a valid session, no spelling of a path reaches anything outside its route's prefix.
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Account,
  type FaultStack,
  signedInAccount,
  startFaultStack,
} from './support/fault-stack.ts';
import { type RawExchange, sendRawBytes } from './support/raw-http.ts';

/** Measured figures go to the test output. */
const report = (line: string): void => void process.stdout.write(`${line}\n`);

interface Case {
  readonly name: string;
  /** The request line onwards; `{H}` stands for a valid Host header line. */
  readonly bytes: string | Buffer;
}

/** Requests the sample backend has logged, any path. */
function backendTotal(stack: FaultStack): number {
  return stack.backend.logLines().filter((line) => line.msg === 'incoming request').length;
}

const FORGED_TOKEN = 'A'.repeat(43);

/** Malformed or hostile requests, none with a valid session. */
function corpus(): Case[] {
  const get = (target: string, headers = ''): string =>
    `GET ${target} HTTP/1.1\r\n{H}${headers}\r\n`;
  const post = (target: string, headers: string, body = ''): string =>
    `POST ${target} HTTP/1.1\r\n{H}${headers}\r\n${body}`;
  return [
    // Request lines.
    { name: 'garbage', bytes: 'GARBAGE\r\n\r\n' },
    { name: 'method only', bytes: 'GET\r\n\r\n' },
    { name: 'extra token in request line', bytes: 'GET /count/x HTTP/1.1 extra\r\n{H}\r\n' },
    { name: 'unknown version', bytes: 'GET /count/x HTTP/9.9\r\n{H}\r\n' },
    { name: 'lower-case method', bytes: 'get /count/x HTTP/1.1\r\n{H}\r\n' },
    { name: 'invalid method', bytes: 'FOO /count/x HTTP/1.1\r\n{H}\r\n' },
    { name: 'method with symbols', bytes: 'G@T /count/x HTTP/1.1\r\n{H}\r\n' },
    { name: 'overlong method', bytes: `${'G'.repeat(5_000)} /count/x HTTP/1.1\r\n{H}\r\n` },
    { name: 'PROPFIND', bytes: 'PROPFIND /count/x HTTP/1.1\r\n{H}\r\n' },
    { name: 'TRACE', bytes: 'TRACE /count/x HTTP/1.1\r\n{H}\r\n' },
    { name: 'CONNECT', bytes: 'CONNECT 127.0.0.1:1 HTTP/1.1\r\n{H}\r\n' },
    { name: 'HTTP/0.9', bytes: 'GET /count/x\r\n' },
    { name: 'HTTP/1.0 without Host', bytes: 'GET /count/x HTTP/1.0\r\n\r\n' },
    { name: 'HTTP/2 preface on plain HTTP', bytes: 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' },
    { name: 'absolute-form target', bytes: get('http://evil.test/count/x') },
    { name: 'asterisk-form target', bytes: 'OPTIONS * HTTP/1.1\r\n{H}\r\n' },
    { name: 'tab as separator', bytes: 'GET\t/count/x\tHTTP/1.1\r\n{H}\r\n' },
    { name: 'bare LF line ends', bytes: 'GET /count/x HTTP/1.1\n{h}\n\n' },
    // Paths.
    { name: 'absurdly long path (20 KiB)', bytes: get(`/count/${'a'.repeat(20_000)}`) },
    { name: 'long path within limits (8 KiB)', bytes: get(`/count/${'a'.repeat(8_000)}`) },
    { name: 'NUL in path', bytes: get('/count/a\u0000b') },
    { name: 'control byte in path', bytes: get('/count/a\u0001b') },
    { name: 'DEL in path', bytes: get('/count/a\u007fb') },
    { name: 'space in path', bytes: get('/count/a b') },
    { name: 'encoded NUL', bytes: get('/count/a%00b') },
    { name: 'broken escape', bytes: get('/count/a%zzb') },
    { name: 'lone percent', bytes: get('/count/%') },
    { name: 'non-ASCII bytes in path', bytes: get('/count/\u00ff\u00fe') },
    { name: '/app/..%2f to another route', bytes: get('/app/..%2fcount/x') },
    { name: '/%2e%2e/', bytes: get('/app/%2e%2e/count/x') },
    { name: '%2E%2E upper case', bytes: get('/app/%2E%2E/count/x') },
    { name: '.%2e mixed', bytes: get('/app/.%2e/count/x') },
    { name: 'plain ..', bytes: get('/app/../count/x') },
    { name: '..;', bytes: get('/app/..;/count/x') },
    { name: '. segment', bytes: get('/count/./x') },
    { name: '//app', bytes: get('//app/api/profile') },
    { name: 'backslashes', bytes: get('/app\\..\\count\\x') },
    { name: 'encoded backslash', bytes: get('/app/..%5ccount/x') },
    { name: 'double-encoded dots', bytes: get('/app/%252e%252e/count/x') },
    { name: 'fragment in target', bytes: get('/count/x#/../../app') },
    { name: 'query with dot segments', bytes: get('/count/x?next=/../../app') },
    // Headers.
    { name: 'NUL in header value', bytes: get('/count/x', 'X-A: a\u0000b\r\n') },
    { name: 'bare CR in header value', bytes: get('/count/x', 'X-A: a\rb\r\n') },
    { name: 'header without colon', bytes: get('/count/x', 'NoColonHere\r\n') },
    { name: 'space in header name', bytes: get('/count/x', 'Bad Name: x\r\n') },
    { name: 'space before colon', bytes: get('/count/x', 'X-A : x\r\n') },
    { name: 'invalid header name', bytes: get('/count/x', 'X-A(b): x\r\n') },
    { name: 'obs-fold', bytes: get('/count/x', 'X-A: a\r\n folded\r\n') },
    {
      name: 'obs-fold in the cookie',
      bytes: get('/count/x', `Cookie: authflow_session=${FORGED_TOKEN}\r\n more\r\n`),
    },
    {
      name: 'duplicate Content-Length, different values',
      bytes: post('/count/x', 'Content-Length: 3\r\nContent-Length: 5\r\n', 'abcde'),
    },
    {
      name: 'duplicate Content-Length, same values',
      bytes: post('/count/x', 'Content-Length: 3\r\nContent-Length: 3\r\n', 'abc'),
    },
    {
      name: 'Content-Length list',
      bytes: post('/count/x', 'Content-Length: 3, 3\r\n', 'abc'),
    },
    {
      name: 'Content-Length and Transfer-Encoding',
      bytes: post(
        '/count/x',
        'Content-Length: 4\r\nTransfer-Encoding: chunked\r\n',
        '0\r\n\r\nGET /count/smuggled HTTP/1.1\r\n{H}\r\n',
      ),
    },
    {
      name: 'Transfer-Encoding not ending in chunked',
      bytes: post('/count/x', 'Transfer-Encoding: chunked, identity\r\n', '3\r\nabc\r\n0\r\n\r\n'),
    },
    {
      name: 'obfuscated Transfer-Encoding',
      bytes: post('/count/x', 'Transfer-Encoding: xchunked\r\n', '3\r\nabc\r\n0\r\n\r\n'),
    },
    {
      name: 'bad chunk size',
      bytes: post('/count/x', 'Transfer-Encoding: chunked\r\n', 'zz\r\nabc\r\n0\r\n\r\n'),
    },
    {
      name: 'overflowing chunk size',
      bytes: post('/count/x', 'Transfer-Encoding: chunked\r\n', 'fffffffffffffffffffff\r\nabc\r\n'),
    },
    {
      name: 'chunk longer than its size',
      bytes: post('/count/x', 'Transfer-Encoding: chunked\r\n', '2\r\nabcdef\r\n0\r\n\r\n'),
    },
    { name: 'negative Content-Length', bytes: post('/count/x', 'Content-Length: -1\r\n', 'a') },
    { name: 'signed Content-Length', bytes: post('/count/x', 'Content-Length: +3\r\n', 'abc') },
    {
      name: 'overflowing Content-Length',
      bytes: post('/count/x', 'Content-Length: 99999999999999999999999999\r\n', 'a'),
    },
    {
      name: 'huge Content-Length',
      bytes: post('/count/x', 'Content-Length: 1000000000000\r\n', 'a'),
    },
    {
      name: 'huge Content-Length with Expect: 100-continue',
      bytes: post('/count/x', 'Content-Length: 1000000000000\r\nExpect: 100-continue\r\n'),
    },
    {
      name: 'huge Content-Length on a public route',
      bytes: post('/api/v1/simple_auth/signup', 'Content-Length: 1000000000000\r\n', 'a'),
    },
    {
      name: 'Content-Length longer than the body sent',
      bytes: post('/count/x', 'Content-Length: 100\r\n', 'abc'),
    },
    {
      name: 'pipelined request hidden in a body',
      bytes: post('/count/x', 'Content-Length: 0\r\n', 'GET /count/smuggled HTTP/1.1\r\n{H}\r\n'),
    },
    { name: 'missing Host', bytes: 'GET /count/x HTTP/1.1\r\n\r\n' },
    {
      name: 'duplicated Host',
      bytes: 'GET /count/x HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.test\r\n\r\n',
    },
    { name: 'Host with control bytes', bytes: 'GET /count/x HTTP/1.1\r\nHost: a\u0001b\r\n\r\n' },
    { name: 'Host with a path', bytes: 'GET /count/x HTTP/1.1\r\nHost: evil.test/app/\r\n\r\n' },
    { name: 'header block overflow', bytes: get('/count/x', `X-Big: ${'a'.repeat(20_000)}\r\n`) },
    {
      name: 'many headers (over the header limit)',
      bytes: get(
        '/count/x',
        Array.from({ length: 2_500 }, (_, index) => `X-H${index}: v\r\n`).join(''),
      ),
    },
    {
      name: 'many headers (500)',
      bytes: get(
        '/count/x',
        Array.from({ length: 500 }, (_, index) => `X${index}: v\r\n`).join(''),
      ),
    },
    {
      name: 'cookie header over its limit',
      bytes: get('/count/x', `Cookie: a=${'b'.repeat(9_000)}\r\n`),
    },
    // Forged identity.
    {
      name: 'forged session cookie',
      bytes: get('/count/x', `Cookie: authflow_session=${FORGED_TOKEN}\r\n`),
    },
    {
      name: 'forged session cookie, secure name',
      bytes: get('/count/x', `Cookie: __Host-authflow_session=${FORGED_TOKEN}\r\n`),
    },
    {
      name: 'forged session cookie, repeated',
      bytes: get(
        '/app/api/profile',
        `Cookie: authflow_session=${FORGED_TOKEN}; authflow_session=${'B'.repeat(43)}\r\n`,
      ),
    },
    {
      name: 'forged identity headers',
      bytes: get(
        '/count/x',
        'X-Authflow-User-Id: admin\r\nX-Authflow-Email: admin@example.com\r\n' +
          'X-Authflow-Roles: admin\r\nX-Authflow-Assertion: eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.\r\n' +
          'X-User-Id: admin\r\nRemote-User: admin\r\nX-Forwarded-User: admin\r\n',
      ),
    },
    {
      name: 'forged identity headers on the app',
      bytes: get(
        '/app/api/profile',
        'X-Authflow-User-Id: admin\r\nX-Authflow-Assertion: eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.\r\n',
      ),
    },
    {
      name: 'WebSocket upgrade without a session',
      bytes: get(
        '/app/ws/echo',
        'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n' +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n',
      ),
    },
    { name: 'h2c upgrade', bytes: get('/count/x', 'Upgrade: h2c\r\nConnection: Upgrade\r\n') },
    {
      name: 'forward-auth asked about a path trick',
      bytes: get('/verify', 'X-Original-URI: /app/..%2fcount/x\r\n'),
    },
  ];
}

describe('malformed and hostile requests at the gateway', () => {
  let stack: FaultStack;
  let counter: Server;
  const counted: { path: string; identified: boolean; userId: string | undefined }[] = [];
  beforeAll(async () => {
    // A second protected upstream that only counts what reaches it.
    counter = createServer((request, response) => {
      counted.push({
        path: request.url ?? '',
        identified: typeof request.headers['x-authflow-assertion'] === 'string',
        userId: request.headers['x-authflow-user-id'] as string | undefined,
      });
      request.resume();
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"counted":true}');
    });
    await new Promise<void>((done) => counter.listen(0, '127.0.0.1', done));
    const shipped = await readFile(
      resolve(import.meta.dirname, '../services/gateway/config/routes.yaml'),
      'utf8',
    );
    const routesYaml = shipped
      .replace('upstreams:\n', 'upstreams:\n  counter:\n    url: ${COUNTER_UPSTREAM_URL}\n')
      .replace(
        'routes:\n',
        'routes:\n  - prefix: /count/\n    upstream: counter\n    access: protected\n    mode: api\n',
      );
    stack = await startFaultStack({
      scenario: 'malformed-requests',
      routesYaml,
      gatewayEnv: {
        COUNTER_UPSTREAM_URL: `http://127.0.0.1:${(counter.address() as AddressInfo).port}`,
      },
    });
  });
  afterAll(async () => {
    await stack.stop();
    counter.closeAllConnections();
    await new Promise((done) => counter.close(done));
  });

  const send = (bytes: string | Buffer): Promise<RawExchange> => {
    const host = `Host: 127.0.0.1:${stack.gateway.port}`;
    const text = typeof bytes === 'string' ? bytes : bytes.toString('latin1');
    return sendRawBytes(
      stack.gateway.port,
      text.replaceAll('{H}', `${host}\r\n`).replaceAll('{h}', host),
    );
  };

  it('answers each malformed request with 4xx or a closed connection, never 5xx, and forwards none', async () => {
    const backendBefore = backendTotal(stack);
    const results: (Pick<RawExchange, 'status' | 'closed' | 'ms'> & { name: string })[] = [];
    const denials: string[] = [];
    for (const { name, bytes } of corpus()) {
      const answer = await send(bytes);
      results.push({ name, status: answer.status, closed: answer.closed, ms: answer.ms });
      if (answer.status === 302) denials.push(answer.text);
      // Still up after each one.
      expect(stack.gateway.running, `gateway exited after: ${name}`).toBe(true);
    }
    const byStatus = Object.groupBy(results, ({ status }) => String(status));
    report(
      `malformed corpus: ${results.length} requests in ${Math.round(
        results.reduce((sum, { ms }) => sum + ms, 0),
      )} ms; ${Object.entries(byStatus)
        .map(
          ([status, list]) =>
            `${status === '0' ? 'closed without answer' : status}: ${list?.length}`,
        )
        .join(', ')}; slowest ${Math.round(Math.max(...results.map(({ ms }) => ms)))} ms`,
    );
    for (const result of results) report(`  ${result.status || 'closed'}  ${result.name}`);
    // 4xx, a closed connection, or (for a request a browser could have sent to `mode: auto`)
    // the denial's redirect to sign in.
    const unacceptable = results.filter(
      ({ status, closed }) =>
        !(status >= 400 && status < 500) && !(status === 0 && closed) && status !== 302,
    );
    expect(unacceptable).toEqual([]);
    for (const text of denials) expect(text).toMatch(/\r\nlocation: \/auth\/login\?next=/iu);
    // Nothing reached either backend.
    expect(counted).toEqual([]);
    expect(backendTotal(stack)).toBe(backendBefore);
    const live = await fetch(`${stack.gateway.url}/health/ready`);
    expect(live.status).toBe(200);
  });

  it('refuses a declared body over the route limit without inviting it (Expect: 100-continue)', async () => {
    const head = (length: number): string =>
      `POST /api/v1/simple_auth/signup HTTP/1.1\r\n{H}Content-Type: application/json\r\n` +
      `Content-Length: ${length}\r\nExpect: 100-continue\r\n\r\n`;
    // Auth's routes take 64 KiB: 100 kB is refused from the head alone, with no 100 Continue.
    const over = await send(head(100_000));
    expect(over.statuses).toEqual([413]);
    expect(over.text.toLowerCase()).toContain('connection: close');
    // Within the limit the body is invited, then sent and answered by auth.
    const within = await send(`${head(2)}{}`);
    expect(within.statuses[0]).toBe(100);
    expect(within.status).toBeGreaterThanOrEqual(400);
    expect(within.status).toBeLessThan(500);
    report(
      `Expect: 100-continue on signup: 100 kB → ${over.statuses.join(',')}; 2 B → ${within.statuses.join(',')}`,
    );
  });

  describe('with a valid session', () => {
    let account: Account;
    beforeAll(async () => {
      account = await signedInAccount(stack);
    });
    const device = (): string =>
      Object.entries(account.headers)
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('');

    it('lets no spelling of a path reach anything outside its route prefix', async () => {
      const tricks = [
        '/app/..%2fcount/x',
        '/app/%2e%2e/count/x',
        '/app/%2E%2E/count/x',
        '/app/.%2e/count/x',
        '/app/../count/x',
        '/app/..;/count/x',
        '/app/..%5ccount/x',
        '/app\\..\\count\\x',
        '//count/x',
        '/app//../count/x',
        '/app/%252e%252e/count/x',
        '/count/..%2f..%2fapp/api/profile',
        '/count/%2e%2e/app/api/profile',
        '/count/%252e%252e/secret',
        '/count/x/..',
        '/count/x/%2e',
        '/count/a%00b',
      ];
      const backendBefore = backendTotal(stack);
      const statuses: string[] = [];
      for (const path of tricks) {
        const answer = await send(
          `GET ${path} HTTP/1.1\r\n{H}${device()}Accept: application/json\r\n\r\n`,
        );
        statuses.push(`${answer.status} ${path}`);
        // `%252e` is a literal `%2e` in a segment's name: forwarded as it is, within the route.
        if (path.includes('%25')) expect([200, 404], path).toContain(answer.status);
        else {
          expect(answer.status, path).toBeGreaterThanOrEqual(400);
          expect(answer.status, path).toBeLessThan(500);
        }
      }
      report(`path tricks with a valid session:\n  ${statuses.join('\n  ')}`);
      // Whatever reached the counting upstream stayed within /count/ once decoded (a backend
      // decodes once), with no dot segment; the sample backend saw only /app/ paths.
      for (const { path } of counted) {
        const decoded = decodeURIComponent(path.split('?', 1)[0] ?? '');
        expect(decoded.startsWith('/count/'), path).toBe(true);
        expect(decoded.split('/').some((segment) => segment === '.' || segment === '..')).toBe(
          false,
        );
        expect(decoded).not.toContain('\\');
      }
      const backendPaths = stack.backend
        .logLines()
        .filter((line) => line.msg === 'incoming request')
        .slice(backendBefore)
        .map((line) => (line.req as { path?: string } | undefined)?.path ?? '');
      expect(backendPaths.filter((path) => !path.startsWith('/app/'))).toEqual([]);
    });

    it('replaces forged identity headers with the session’s own', async () => {
      counted.length = 0;
      const answer = await send(
        `GET /count/whoami HTTP/1.1\r\n{H}${device()}X-Authflow-User-Id: admin\r\n` +
          'X-Authflow-Roles: admin\r\nX-User-Id: admin\r\nRemote-User: admin\r\n\r\n',
      );
      expect(answer.status).toBe(200);
      expect(counted).toHaveLength(1);
      expect(counted[0]?.identified).toBe(true);
      expect(counted[0]?.userId).not.toBe('admin');
      expect(counted[0]?.userId).toMatch(/\S/u);
    });

    it('answers a broken chunked body from a signed-in device with 4xx or a close, never 5xx', async () => {
      const bodies = [
        'zz\r\nabc\r\n0\r\n\r\n',
        '3\r\nabc\r\nzz\r\n',
        'fffffffffffffffffffff\r\nabc\r\n',
        '2\r\nabcdef\r\n0\r\n\r\n',
      ];
      const outcomes: string[] = [];
      for (const body of bodies) {
        const answer = await send(
          `POST /count/upload HTTP/1.1\r\n{H}${device()}Transfer-Encoding: chunked\r\n\r\n${body}`,
        );
        outcomes.push(`${answer.status || 'closed'} ${JSON.stringify(body)}`);
        const acceptable =
          (answer.status >= 400 && answer.status < 500) || (answer.status === 0 && answer.closed);
        expect(acceptable, `${answer.status} for ${JSON.stringify(body)}`).toBe(true);
      }
      report(`broken chunked bodies with a valid session: ${outcomes.join('; ')}`);
      const metrics = await (await fetch(`${stack.gateway.url}/metrics`)).text();
      expect(metrics).toContain('authflow_gateway_breaker_state{dependency="upstream:counter"} 0');
      expect(stack.gateway.running).toBe(true);
    });
  });
});
