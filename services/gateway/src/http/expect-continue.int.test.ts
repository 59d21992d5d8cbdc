// `Expect: 100-continue` at the gateway: a body it will refuse from the head alone is never
// invited (413 or a denial comes instead of `100 Continue`); a body it wants is invited and
// forwarded as usual.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chromeOnMac, startTestUpstream, type TestUpstream } from '@authflow/testing';
import { type GatewayHarness, startGateway } from '../testing/gateway-harness.js';

const redisUrl = inject('redisUrl');
const LIMIT = 1_024;

interface Exchange {
  /** The first status line the gateway wrote (`HTTP/1.1 100 Continue` when it invited the body). */
  readonly first: string;
  /** The final status. */
  readonly status: number;
  readonly text: string;
}

/**
 * Sends a head with `Expect: 100-continue` and waits (as a patient client would) for the gateway's
 * first answer; the body goes out only after `100 Continue`.
 */
function sendExpecting(
  url: string,
  path: string,
  body: Buffer,
  headers: Record<string, string> = {},
  declaredLength = body.length,
): Promise<Exchange> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let received = '';
    let bodySent = false;
    const giveUp = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no final answer within 3 s; received: ${JSON.stringify(received)}`));
    }, 3_000);
    const settle = (): void => {
      const final = received.replace(/^HTTP\/1\.1 100 [^\r]*\r\n\r\n/u, '');
      const headEnd = final.indexOf('\r\n\r\n');
      if (headEnd === -1) return;
      const head = final.slice(0, headEnd);
      const rest = final.slice(headEnd + 4);
      const length = /content-length: (\d+)/iu.exec(head)?.[1];
      const complete =
        length === undefined
          ? rest.endsWith('0\r\n\r\n')
          : Buffer.byteLength(rest) >= Number(length);
      if (!complete) return;
      clearTimeout(giveUp);
      socket.destroy();
      resolve({
        first: received.slice(0, received.indexOf('\r\n')),
        status: Number(/^HTTP\/1\.1 (\d{3})/u.exec(final)?.[1] ?? 0),
        text: final,
      });
    };
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (!bodySent && received.startsWith('HTTP/1.1 100 ')) {
        bodySent = true;
        socket.write(body);
      }
      settle();
    });
    const head = [
      `POST ${path} HTTP/1.1`,
      `Host: ${hostname}:${port}`,
      'Content-Type: application/octet-stream',
      `Content-Length: ${declaredLength}`,
      'Expect: 100-continue',
      ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    ];
    socket.write(`${head.join('\r\n')}\r\n\r\n`);
  });
}

describe('Expect: 100-continue', () => {
  let upstream: TestUpstream;
  let gateway: GatewayHarness;
  beforeAll(async () => {
    upstream = await startTestUpstream();
    gateway = await startGateway({
      redisUrl,
      routes: {
        upstreams: { origin: { url: upstream.url } },
        routes: [
          {
            prefix: '/small/',
            upstream: 'origin',
            access: 'public',
            mode: 'api',
            maxBodyBytes: LIMIT,
          },
          {
            prefix: '/guarded/',
            upstream: 'origin',
            access: 'protected',
            mode: 'api',
            maxBodyBytes: LIMIT,
          },
        ],
      },
    });
  });
  afterAll(async () => {
    await gateway.close();
    await upstream.close();
  });

  it('answers a declared length over the route limit with 413 instead of inviting the body', async () => {
    const before = upstream.received.length;
    const answer = await sendExpecting(
      gateway.url,
      '/small/upload',
      Buffer.alloc(0),
      {},
      LIMIT + 1,
    );
    expect(answer.first).toBe('HTTP/1.1 413 Payload Too Large');
    expect(answer.status).toBe(413);
    expect(answer.text.toLowerCase()).toContain('x-authflow-error: payload_too_large');
    expect(answer.text.toLowerCase()).toContain('connection: close');
    expect(upstream.received.length).toBe(before);
  });

  it('invites a body within the limit and forwards it', async () => {
    const body = Buffer.from('x'.repeat(LIMIT));
    const answer = await sendExpecting(gateway.url, '/small/upload', body);
    expect(answer.first).toBe('HTTP/1.1 100 Continue');
    expect(answer.status).toBe(200);
    expect(upstream.received.at(-1)?.body).toBe(body.toString());
    // The gateway answered Expect itself: the upstream is not asked to.
    expect(upstream.received.at(-1)?.headers.expect).toBeUndefined();
  });

  it('denies a protected route without a session before inviting the body', async () => {
    const answer = await sendExpecting(gateway.url, '/guarded/upload', Buffer.alloc(0), {}, 10);
    expect(answer.first).toBe('HTTP/1.1 401 Unauthorized');
    expect(answer.text.toLowerCase()).toContain('x-authflow-error: unauthenticated');
  });

  it('invites the body of a signed-in request on a protected route', async () => {
    const { cookie } = await gateway.signIn(chromeOnMac);
    const body = Buffer.from('{"hello":"world"}');
    const answer = await sendExpecting(gateway.url, '/guarded/upload', body, {
      ...chromeOnMac.headers,
      cookie,
    });
    expect(answer.first).toBe('HTTP/1.1 100 Continue');
    expect(answer.status).toBe(200);
    expect(upstream.received.at(-1)?.body).toBe(body.toString());
  });
});
