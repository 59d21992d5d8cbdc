// The HTTP forwarding path (proxy/forward-http.ts) against real upstreams that misbehave on
// purpose: exact paths and headers, response framing, backpressure, clients that leave, upstreams
// that break mid-answer or do not speak HTTP, and streamed uploads.
import { createHash, randomBytes } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request as httpRequest,
  type ClientRequest,
  type Server,
  type ServerResponse,
} from 'node:http';
import {
  type AddressInfo,
  connect,
  createServer as createNetServer,
  type Server as NetServer,
  type Socket,
} from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { chromeOnMac } from '@authflow/testing';
import { type GatewayHarness, startGateway } from './testing/gateway-harness.js';

const redisUrl = inject('redisUrl');
const json = { accept: 'application/json' };
const MiB = 1024 * 1024;
const BIG = randomBytes(8 * MiB);
const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What the special upstream saw of one request, keyed by its `id` query parameter. */
interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly chunks: Buffer[];
  ended: boolean;
  /** The upstream's response was closed before it had finished (someone hung up on it). */
  closedEarly: boolean;
  finished: boolean;
  /** Body bytes the upstream managed to hand to its socket. */
  written: number;
}

const seen = new Map<string, Seen>();
let ids = 0;
const nextId = (label: string) => `${label}-${++ids}`;

async function seenFor(id: string): Promise<Seen> {
  return vi.waitFor(
    () => {
      const record = seen.get(id);
      if (record === undefined) throw new Error(`the upstream has not seen ${id}`);
      return record;
    },
    { timeout: 3_000, interval: 20 },
  );
}

type Behaviour = (
  request: IncomingMessage,
  response: ServerResponse,
  record: Seen,
  url: URL,
) => void;

/** Writes `total` bytes of `source` (repeated) in 64 KiB chunks, waiting for drain each time. */
function stream(response: ServerResponse, record: Seen, source: Buffer, total: number): void {
  const pump = (): void => {
    while (record.written < total && !response.destroyed) {
      const offset = record.written % source.length;
      const chunk = source.subarray(offset, Math.min(offset + 64 * 1024, source.length));
      const slice = chunk.subarray(0, Math.min(chunk.length, total - record.written));
      record.written += slice.length;
      if (!response.write(slice)) {
        response.once('drain', pump);
        return;
      }
    }
    if (!response.destroyed) response.end();
  };
  pump();
}

const behaviours: Record<string, Behaviour> = {
  echo: (request, response) => {
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ url: request.url }));
    });
  },
  status: (request, response, _record, url) => {
    const status = Number(url.pathname.split('/')[3]);
    request.on('end', () => {
      if (status === 201) {
        response.writeHead(201, { location: '/fwd/things/7', 'content-type': 'text/plain' });
        response.end('created');
      } else if (status === 204) {
        response.writeHead(204, { 'x-upstream': 'no-content' });
        response.end();
      } else {
        response.writeHead(304, { etag: '"v1"', 'cache-control': 'max-age=60' });
        response.end();
      }
    });
  },
  cookies: (request, response) => {
    request.on('end', () => {
      response.setHeader('set-cookie', [
        'a=1; Path=/; HttpOnly',
        'b=2; Path=/; Expires=Wed, 21 Oct 2037 07:28:00 GMT',
        'c=3; Path=/app; SameSite=Strict',
      ]);
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.end('cookies');
    });
  },
  head: (request, response) => {
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'text/plain', 'content-length': '11' });
      // Node leaves the body out of a HEAD answer by itself.
      response.end('hello world');
    });
  },
  'early-hints': (request, response) => {
    request.on('end', () => {
      response.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' });
      setTimeout(() => {
        response.writeHead(200, { 'content-type': 'text/plain' });
        response.end('after the hints');
      }, 20);
    });
  },
  big: (request, response, record, url) => {
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/octet-stream' });
      stream(response, record, BIG, Number(url.searchParams.get('bytes') ?? BIG.length));
    });
  },
  trickle: (request, response) => {
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      let ticks = 0;
      const timer = setInterval(() => {
        ticks += 1;
        if (response.destroyed) clearInterval(timer);
        else if (ticks >= 200) {
          clearInterval(timer);
          response.end('done\n');
        } else response.write(`tick ${ticks}\n`);
      }, 50);
    });
  },
  'slow-head': (request, response) => {
    request.on('end', () => {
      setTimeout(() => {
        if (response.destroyed) return;
        response.writeHead(200, { 'content-type': 'text/plain' });
        response.end('late');
      }, 5_000);
    });
  },
  slow: (request, response, _record, url) => {
    request.on('end', () => {
      setTimeout(
        () => {
          if (response.destroyed) return;
          response.writeHead(200, { 'content-type': 'text/plain' });
          response.end('slow');
        },
        Number(url.searchParams.get('ms') ?? 500),
      );
    });
  },
  cut: (request, response, _record, url) => {
    request.on('end', () => {
      const framing = url.searchParams.get('framing');
      response.writeHead(
        200,
        framing === 'length'
          ? { 'content-type': 'text/plain', 'content-length': '100000' }
          : { 'content-type': 'text/plain' },
      );
      response.write('x'.repeat(1_000));
      setTimeout(() => response.socket?.destroy(), 50);
    });
  },
  upload: (request, response, record) => {
    request.on('end', () => {
      const body = Buffer.concat(record.chunks);
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ length: body.length, sha256: sha256(body) }));
    });
  },
};

/** One server behind several upstream names (separate pools and breakers) for the cases. */
async function startSpecialUpstream(): Promise<Server> {
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://upstream');
    const id = url.searchParams.get('id') ?? nextId('anonymous');
    const record: Seen = {
      method: request.method ?? '',
      url: request.url ?? '',
      headers: request.headers,
      chunks: [],
      ended: false,
      closedEarly: false,
      finished: false,
      written: 0,
    };
    seen.set(id, record);
    request.on('data', (chunk: Buffer) => record.chunks.push(chunk));
    request.on('end', () => {
      record.ended = true;
    });
    response.on('finish', () => {
      record.finished = true;
    });
    response.on('close', () => {
      if (!response.writableFinished) record.closedEarly = true;
    });
    const action = url.pathname.split('/')[2] ?? '';
    (behaviours[action] ?? behaviours.echo!)(request, response, record, url);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** Answers each request with whatever bytes its path names, then hangs up (or not). */
const garbageReplies: Record<string, { bytes: string; end: boolean }> = {
  'bad-header': { bytes: 'HTTP/1.1 200 OK\r\nbad header line\r\n\r\n', end: false },
  'not-http': { bytes: 'SSH-2.0-OpenSSH_9.6\r\n', end: false },
  binary: { bytes: '\u0000\u0001\u0002\u00ff\u00fe garbage', end: false },
  empty: { bytes: '', end: true },
  'bad-status': { bytes: 'HTTP/1.1 abc OK\r\ncontent-length: 0\r\n\r\n', end: false },
  'two-lengths': {
    bytes: 'HTTP/1.1 200 OK\r\ncontent-length: 5\r\ncontent-length: 6\r\n\r\nhello!',
    end: false,
  },
  'status-099': { bytes: 'HTTP/1.1 099 Odd\r\ncontent-length: 0\r\n\r\n', end: false },
  'status-100-only': { bytes: 'HTTP/1.1 100 Continue\r\n\r\n', end: true },
};
let garbageRequests = 0;

async function startGarbageUpstream(): Promise<NetServer> {
  const server = createNetServer((socket: Socket) => {
    let head = '';
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      garbageRequests += 1;
      const path = head.split(' ')[1] ?? '';
      const reply = garbageReplies[path.split('/')[2]?.split('?')[0] ?? ''];
      head = '';
      if (reply === undefined) {
        socket.destroy();
        return;
      }
      if (reply.end) socket.end(Buffer.from(reply.bytes, 'latin1'));
      else socket.write(Buffer.from(reply.bytes, 'latin1'));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

let special: Server;
let garbage: NetServer;
let gateway: GatewayHarness;
let cookie: string;
let specialHost: string;

beforeAll(async () => {
  [special, garbage] = await Promise.all([startSpecialUpstream(), startGarbageUpstream()]);
  specialHost = `127.0.0.1:${(special.address() as AddressInfo).port}`;
  const specialUrl = `http://${specialHost}`;
  const garbageUrl = `http://127.0.0.1:${(garbage.address() as AddressInfo).port}`;
  // Long reset: a breaker that opened would stay open for the rest of the file.
  const strict = { errorThresholdPercentage: 50, resetTimeoutMs: 60_000, volumeThreshold: 3 };
  gateway = await startGateway({
    redisUrl,
    routes: {
      upstreams: {
        special: { url: specialUrl, timeoutMs: 10_000 },
        abortable: { url: specialUrl, timeoutMs: 30_000, breaker: strict },
        garbage: {
          url: garbageUrl,
          timeoutMs: 2_000,
          breaker: { errorThresholdPercentage: 50, resetTimeoutMs: 60_000, volumeThreshold: 50 },
        },
      },
      routes: [
        { prefix: '/fwd/', upstream: 'special', access: 'protected', mode: 'api' },
        { prefix: '/abort/', upstream: 'abortable', access: 'protected', mode: 'api' },
        { prefix: '/garbage/', upstream: 'garbage', access: 'protected', mode: 'api' },
      ],
    },
  });
  ({ cookie } = await gateway.signIn(chromeOnMac));
});
afterAll(async () => {
  await gateway.close();
  special.closeAllConnections();
  await Promise.all([
    new Promise<void>((resolve) => special.close(() => resolve())),
    new Promise<void>((resolve) => garbage.close(() => resolve())),
  ]);
});

const signedIn = (): Record<string, string> => ({ ...chromeOnMac.headers, cookie, ...json });
const call = (path: string, headers: Record<string, string> = {}) =>
  gateway.get(path, { ...signedIn(), ...headers });

interface Outcome {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** The body arrived whole (by its framing); false when the connection was cut. */
  readonly complete: boolean;
  readonly error: Error | undefined;
}

interface ClientExchange {
  readonly request: ClientRequest;
  readonly outcome: Promise<Outcome>;
}

/**
 * A request to the gateway that never rejects: it settles when the connection is done with,
 * whole or cut. `consume` may take over reading the response (to read slowly, or to leave).
 */
function exchange(
  method: string,
  path: string,
  options: {
    headers?: Record<string, string>;
    consume?: (response: IncomingMessage, request: ClientRequest) => void;
    end?: boolean;
    /** Another gateway (and its session) than the shared one. */
    via?: { gateway: GatewayHarness; cookie: string };
  } = {},
): ClientExchange {
  const { port } = new URL((options.via?.gateway ?? gateway).url);
  const request = httpRequest({
    host: '127.0.0.1',
    port,
    method,
    path,
    headers: {
      ...signedIn(),
      ...(options.via === undefined ? {} : { cookie: options.via.cookie }),
      ...options.headers,
    },
    agent: false,
  });
  const outcome = new Promise<Outcome>((resolve) => {
    let incoming: IncomingMessage | undefined;
    let error: Error | undefined;
    const chunks: Buffer[] = [];
    let settled = false;
    const settle = () => {
      if (settled) return;
      settled = true;
      resolve({
        status: incoming?.statusCode ?? 0,
        headers: incoming?.headers ?? {},
        body: Buffer.concat(chunks),
        complete: incoming?.complete ?? false,
        error,
      });
    };
    request.on('error', (cause) => {
      error ??= cause;
      settle();
    });
    request.on('close', () => {
      if (incoming === undefined) settle();
    });
    request.on('response', (message) => {
      incoming = message;
      message.on('data', (chunk: Buffer) => chunks.push(chunk));
      message.on('error', (cause) => {
        error ??= cause;
      });
      message.on('close', settle);
      options.consume?.(message, request);
    });
  });
  if (options.end !== false) request.end();
  return { request, outcome };
}

/** Fails the test instead of hanging when the gateway never finishes an exchange. */
async function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

describe('what the upstream receives', () => {
  it('gets the path and query exactly as sent, its own Host, and no Connection-listed header', async () => {
    const id = nextId('exact');
    const path = `/fwd/a%20b/c;v=1/%E2%82%AC?x=1&y=%2F&x=2&id=${id}&empty=&flag&q=a+b%20c&odd=?`;
    const response = await call(path, {
      connection: 'keep-alive, x-drop-me, X-Also-Dropped',
      'x-drop-me': '1',
      'x-also-dropped': '2',
      'x-keep-me': 'kept',
    });
    expect(response.status).toBe(200);
    const received = await seenFor(id);
    expect(received.url).toBe(path);
    expect(received.method).toBe('GET');
    expect(received.headers.host).toBe(specialHost);
    expect(received.headers['x-drop-me']).toBeUndefined();
    expect(received.headers['x-also-dropped']).toBeUndefined();
    expect(received.headers['x-keep-me']).toBe('kept');
    expect(received.headers['accept-language']).toBe(chromeOnMac.headers['accept-language']);
    expect(received.headers['user-agent']).toBe(chromeOnMac.headers['user-agent']);
    expect(received.headers.accept).toBe('application/json');
  });
});

describe('what the client receives', () => {
  it('gets several Set-Cookie headers as separate values', async () => {
    const response = await call(`/fwd/cookies?id=${nextId('cookies')}`);
    expect(response.status).toBe(200);
    expect(response.body).toBe('cookies');
    expect(response.headers['set-cookie']).toEqual([
      'a=1; Path=/; HttpOnly',
      'b=2; Path=/; Expires=Wed, 21 Oct 2037 07:28:00 GMT',
      'c=3; Path=/app; SameSite=Strict',
    ]);
  });

  it('gets 201, 204 and 304 as the upstream sent them', async () => {
    const created = await call(`/fwd/status/201?id=${nextId('201')}`);
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe('/fwd/things/7');
    expect(created.body).toBe('created');

    const empty = await call(`/fwd/status/204?id=${nextId('204')}`);
    expect(empty.status).toBe(204);
    expect(empty.headers['x-upstream']).toBe('no-content');
    expect(empty.body).toBe('');

    const notModified = await call(`/fwd/status/304?id=${nextId('304')}`, {
      'if-none-match': '"v1"',
    });
    expect(notModified.status).toBe(304);
    expect(notModified.headers.etag).toBe('"v1"');
    expect(notModified.body).toBe('');

    // A keep-alive client can go on using its connection after bodiless answers.
    expect((await call(`/fwd/echo?id=${nextId('after-204')}`)).status).toBe(200);
  });

  it('answers HEAD with the head of a GET and no body', async () => {
    const id = nextId('head');
    const head = await within(
      5_000,
      exchange('HEAD', `/fwd/head?id=${id}`).outcome,
      'HEAD through the gateway',
    );
    expect(head.error).toBeUndefined();
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe('11');
    expect(head.body.length).toBe(0);
    expect((await seenFor(id)).method).toBe('HEAD');
    expect((await call(`/fwd/head?id=${nextId('get')}`)).body).toBe('hello world');
  });

  it('gets the final answer when the upstream sends 103 Early Hints first', async () => {
    const outcome = await within(
      5_000,
      exchange('GET', `/fwd/early-hints?id=${nextId('hints')}`).outcome,
      'an answer after Early Hints',
    );
    expect(outcome.error).toBeUndefined();
    expect(outcome.status).toBe(200);
    expect(outcome.body.toString()).toBe('after the hints');
  });
});

describe('large and slow responses', () => {
  it('delivers 8 MiB byte for byte to a client that reads slowly', async () => {
    let received = 0;
    const { outcome } = exchange('GET', `/fwd/big?id=${nextId('big')}`, {
      consume: (response) => {
        response.on('data', (chunk: Buffer) => {
          received += chunk.length;
          // Every ~512 KiB the client stops reading for a moment.
          if (received % (512 * 1024) < chunk.length) {
            response.pause();
            setTimeout(() => response.resume(), 15);
          }
        });
      },
    });
    const result = await within(10_000, outcome, 'the 8 MiB download');
    expect(result.error).toBeUndefined();
    expect(result.status).toBe(200);
    expect(result.complete).toBe(true);
    expect(result.body.length).toBe(BIG.length);
    expect(sha256(result.body)).toBe(sha256(BIG));
  }, 15_000);

  it('stops reading the upstream while the client does not read (nothing is buffered)', async () => {
    const id = nextId('backpressure');
    const total = 128 * MiB;
    const { port } = new URL(gateway.url);
    const socket = connect({ host: '127.0.0.1', port: Number(port) });
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    const headers = Object.entries({ ...signedIn(), host: `127.0.0.1:${port}` })
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
    socket.write(`GET /fwd/big?id=${id}&bytes=${total} HTTP/1.1\r\n${headers}\r\n`);
    // Read nothing at all: the kernel buffers fill, then the gateway must pause the upstream.
    socket.pause();
    const record = await seenFor(id);
    let previous = -1;
    await vi.waitFor(
      () => {
        const now = record.written;
        if (now !== previous) {
          previous = now;
          throw new Error('the upstream is still writing');
        }
      },
      { timeout: 8_000, interval: 300 },
    );
    // Socket buffers on both hops hold some MiB; an unpaused gateway would take all 128.
    expect(record.written).toBeLessThan(48 * MiB);
    expect(record.finished).toBe(false);
    socket.destroy();
    await vi.waitFor(() => expect(record.closedEarly).toBe(true), { timeout: 3_000 });
  }, 15_000);
});

describe('a client that leaves', () => {
  it('closes the upstream response mid-stream, and the route keeps answering', async () => {
    for (let round = 0; round < 4; round += 1) {
      const id = nextId('leave-mid-stream');
      const { outcome } = exchange('GET', `/abort/trickle?id=${id}`, {
        consume: (response, request) => {
          response.once('data', () => request.destroy());
        },
      });
      const result = await within(5_000, outcome, 'the client leaving');
      expect(result.status).toBe(200);
      expect(result.complete).toBe(false);
      const record = await seenFor(id);
      await vi.waitFor(() => expect(record.closedEarly).toBe(true), { timeout: 3_000 });
      expect(record.finished).toBe(false);
    }
    expect((await call(`/abort/echo?id=${nextId('after-leaving')}`)).status).toBe(200);
  }, 15_000);

  it('aborts an upstream that has not answered yet, without counting it against the breaker', async () => {
    // volumeThreshold 3, 50 %: four failures would open the breaker for a minute.
    for (let round = 0; round < 4; round += 1) {
      const id = nextId('leave-before-head');
      const { request, outcome } = exchange('GET', `/abort/slow-head?id=${id}`);
      const record = await seenFor(id);
      request.destroy();
      await within(5_000, outcome, 'the client leaving');
      const started = performance.now();
      await vi.waitFor(() => expect(record.closedEarly).toBe(true), { timeout: 3_000 });
      expect(performance.now() - started).toBeLessThan(3_000);
    }
    const after = await call(`/abort/echo?id=${nextId('after-early-leaving')}`);
    expect(after.status).toBe(200);
    expect((await gateway.get('/metrics')).body).toContain(
      'authflow_gateway_breaker_state{dependency="upstream:abortable"} 0',
    );
  }, 15_000);

  it('does not wedge the pool when it leaves while its request waits for a connection', async () => {
    // A gateway of its own: a wedged pool would keep the shared one from ever closing.
    const upstream = await startSpecialUpstream();
    const pooled = await startGateway({
      redisUrl,
      routes: {
        upstreams: {
          pooled: {
            url: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
            connections: 1,
            timeoutMs: 5_000,
          },
        },
        routes: [{ prefix: '/pooled/', upstream: 'pooled', access: 'protected', mode: 'api' }],
      },
    });
    const { cookie: pooledCookie } = await pooled.signIn(chromeOnMac);
    const via = { gateway: pooled, cookie: pooledCookie };
    try {
      // The pool has one connection: the first request holds it for a second.
      const holderId = nextId('holder');
      const holder = exchange('GET', `/pooled/slow?ms=1000&id=${holderId}`, { via });
      await seenFor(holderId);
      const queuedId = nextId('queued');
      const queued = exchange('GET', `/pooled/echo?id=${queuedId}`, { via });
      await sleep(200);
      queued.request.destroy();
      await within(3_000, queued.outcome, 'the queued client leaving');
      expect((await within(3_000, holder.outcome, 'the holder')).status).toBe(200);

      // The abandoned request must not keep the only connection: the next one is answered.
      const next = await within(
        4_000,
        exchange('GET', `/pooled/echo?id=${nextId('after-queued')}`, { via }).outcome,
        'the next request on the pool after a queued client left',
      );
      expect(next.status).toBe(200);
    } finally {
      // With the pool wedged, closing it never finishes: give up on it after a while.
      await Promise.race([pooled.close(), sleep(2_000)]);
      pooled.redis.disconnect();
      upstream.closeAllConnections();
      upstream.close();
    }
  }, 20_000);
});

describe('an upstream that breaks', () => {
  it.each(['length', 'chunked'])(
    'cuts the client off when the upstream dies mid-body (%s framing), and keeps serving',
    async (framing) => {
      const result = await within(
        5_000,
        exchange('GET', `/fwd/cut?framing=${framing}&id=${nextId('cut')}`).outcome,
        'an upstream dying mid-body',
      );
      expect(result.status).toBe(200);
      expect(result.complete).toBe(false);
      expect(result.body.length).toBe(1_000);
      expect((await call(`/fwd/echo?id=${nextId('after-cut')}`)).status).toBe(200);
    },
  );

  it.each(Object.keys(garbageReplies))(
    'answers 503 upstream_unavailable to an invalid upstream reply (%s)',
    async (kind) => {
      const before = garbageRequests;
      const response = await within(5_000, call(`/garbage/${kind}`), `a ${kind} reply`);
      expect(response.status).toBe(503);
      expect(response.json<{ error: { code: string } }>().error.code).toBe('upstream_unavailable');
      // The upstream was really asked (the 503 is not an open breaker's).
      expect(garbageRequests).toBe(before + 1);
      expect((await call(`/fwd/echo?id=${nextId('after-garbage')}`)).status).toBe(200);
    },
  );
});

describe('streamed request bodies', () => {
  it('streams a chunked POST to the upstream as it arrives, intact', async () => {
    const id = nextId('upload');
    const parts = [randomBytes(100_000), Buffer.from('{"middle": true}'), randomBytes(300_000)];
    const { request, outcome } = exchange('POST', `/fwd/upload?id=${id}`, {
      headers: { 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' },
      end: false,
    });
    let sent = 0;
    for (const part of parts) {
      request.write(part);
      sent += part.length;
      // Each part reaches the upstream before the next is sent: nothing waits for the whole body.
      const record = await seenFor(id);
      await vi.waitFor(
        () => expect(record.chunks.reduce((sum, chunk) => sum + chunk.length, 0)).toBe(sent),
        { timeout: 3_000, interval: 10 },
      );
    }
    request.end();
    const result = await within(5_000, outcome, 'the upload');
    const body = Buffer.concat(parts);
    expect(result.status).toBe(200);
    expect(JSON.parse(result.body.toString())).toEqual({
      length: body.length,
      sha256: sha256(body),
    });
    const record = await seenFor(id);
    expect(record.headers['content-length']).toBeUndefined();
    expect(record.headers['transfer-encoding']).toBe('chunked');
    expect(sha256(Buffer.concat(record.chunks))).toBe(sha256(body));
  });

  it('accepts a chunked POST sent with Expect: 100-continue (as curl sends uploads)', async () => {
    const id = nextId('expect');
    const body = randomBytes(50_000);
    const { request, outcome } = exchange('POST', `/fwd/upload?id=${id}`, {
      headers: {
        'content-type': 'application/octet-stream',
        'transfer-encoding': 'chunked',
        expect: '100-continue',
      },
      end: false,
    });
    request.once('continue', () => request.end(body));
    const result = await within(5_000, outcome, 'the upload with Expect');
    expect(result.status).toBe(200);
    expect(JSON.parse(result.body.toString())).toEqual({
      length: body.length,
      sha256: sha256(body),
    });
  });
});
