// Oversized and unread request bodies through the gateway (issue 12, item 1): one anonymous
// client sending bodies an upstream refuses must not open that upstream's breaker, leak client
// connections, or keep the gateway from draining on SIGTERM.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultStack, startFaultStack, waitUntil } from './support/fault-stack.ts';

/** Measured figures for the lead's report (the fault matrix prints them). */
function report(line: string): void {
  process.stdout.write(`${line}\n`);
}

const SIGNUP = '/api/v1/simple_auth/signup';
const TWO_MB = 2 * 1024 * 1024;

interface RawAnswer {
  readonly status: number;
  readonly head: string;
  readonly body: string;
  /** The gateway closed the connection after answering. */
  readonly closedByServer: boolean;
  readonly ms: number;
}

/**
 * Sends a request over a raw socket as curl does: the head (with `Expect: 100-continue` when
 * asked), the body after `100 Continue` or after one second without an answer, in 64 KiB writes.
 * The socket is never closed by this client: only the server may end the exchange.
 */
function sendLikeCurl(
  url: string,
  options: { path: string; body: Buffer; chunked: boolean; expectContinue: boolean },
): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  const began = performance.now();
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let received = Buffer.alloc(0);
    let bodySent = false;
    let answered: RawAnswer | undefined;
    let lingering: NodeJS.Timeout | undefined;
    const sendBody = (): void => {
      if (bodySent || socket.destroyed) return;
      bodySent = true;
      for (let offset = 0; offset < options.body.length; offset += 65_536) {
        const piece = options.body.subarray(offset, offset + 65_536);
        if (options.chunked) socket.write(`${piece.length.toString(16)}\r\n`);
        socket.write(piece);
        if (options.chunked) socket.write('\r\n');
      }
      if (options.chunked) socket.write('0\r\n\r\n');
    };
    const finish = (closedByServer: boolean): void => {
      clearTimeout(giveUp);
      clearTimeout(lingering);
      const text = received.toString('latin1');
      // Skip interim 100 Continue heads.
      const final = text.replace(/^(HTTP\/1\.1 1\d\d[^\r]*\r\n(?:[^\r]+\r\n)*\r\n)+/u, '');
      const headEnd = final.indexOf('\r\n\r\n');
      const head = headEnd === -1 ? final : final.slice(0, headEnd);
      answered ??= {
        status: Number(/^HTTP\/1\.1 (\d{3})/u.exec(head)?.[1] ?? 0),
        head,
        body: headEnd === -1 ? '' : final.slice(headEnd + 4),
        closedByServer,
        ms: performance.now() - began,
      };
      socket.destroy();
      resolve(answered);
    };
    // A connection the server leaves open counts as "not closed by the server".
    const giveUp = setTimeout(() => finish(false), 8_000);
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const text = received.toString('latin1');
      if (/^HTTP\/1\.1 100 /u.test(text)) sendBody();
      // A complete final answer: the server gets one second to close the connection.
      const final = /HTTP\/1\.1 [2-5]\d\d[^]*?content-length: (\d+)\r\n[^]*?\r\n\r\n/iu.exec(text);
      if (final !== null && lingering === undefined) {
        const bodyStart = final.index + final[0].length;
        if (received.length - bodyStart >= Number(final[1]))
          lingering = setTimeout(() => finish(false), 1_000);
      }
    });
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    const headers = [
      `POST ${options.path} HTTP/1.1`,
      `Host: ${hostname}:${port}`,
      'User-Agent: curl/8.5.0',
      'Accept: */*',
      'Content-Type: application/json',
      options.chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${options.body.length}`,
      ...(options.expectContinue ? ['Expect: 100-continue'] : []),
    ];
    socket.write(`${headers.join('\r\n')}\r\n\r\n`);
    if (options.expectContinue) setTimeout(sendBody, 1_000);
    else sendBody();
  });
}

const bigJson = Buffer.from(`{"email":"a@b.c","password":"${'x'.repeat(TWO_MB)}"}`);

async function breakerState(stack: FaultStack, upstream: string): Promise<number> {
  const metrics = await (await fetch(`${stack.gateway.url}/metrics`)).text();
  const match = new RegExp(`breaker_state\\{dependency="upstream:${upstream}"\\} (\\d)`, 'u').exec(
    metrics,
  );
  return Number(match?.[1] ?? -1);
}

describe('oversized request bodies through the gateway', () => {
  let stack: FaultStack;
  beforeAll(async () => {
    stack = await startFaultStack({ scenario: 'gateway-bodies' });
  });
  afterAll(() => stack.stop());

  it.each([
    { name: 'Content-Length with Expect: 100-continue', chunked: false, expectContinue: true },
    { name: 'Content-Length, body sent at once', chunked: false, expectContinue: false },
    { name: 'chunked', chunked: true, expectContinue: false },
  ])(
    'answers a 2 MB signup body ($name) with 413 payload_too_large and closes the connection',
    async ({ chunked, expectContinue }) => {
      const answer = await sendLikeCurl(stack.url, {
        path: SIGNUP,
        body: bigJson,
        chunked,
        expectContinue,
      });
      report(
        `2 MB signup (${chunked ? 'chunked' : 'content-length'}${expectContinue ? ', expect' : ''}): ${answer.status} in ${Math.round(answer.ms)} ms, closed by gateway: ${answer.closedByServer}`,
      );
      expect(answer.status).toBe(413);
      expect(answer.head.toLowerCase()).toContain('x-authflow-error: payload_too_large');
      expect(answer.body).toContain('payload_too_large');
      expect(answer.head.toLowerCase()).toContain('connection: close');
      expect(answer.closedByServer).toBe(true);
    },
  );

  it('keeps sign-in up for everyone while one client sends 200 oversized bodies, 4 at a time', async () => {
    const fdsBefore = await stack.gateway.openFds();
    const statuses = new Map<number, number>();
    const kinds = [
      { chunked: false, expectContinue: true },
      { chunked: true, expectContinue: false },
    ];
    let loginDuringBurst = 0;
    let loginOkDuringBurst = 0;
    const began = performance.now();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < 200) {
        const kind = kinds[next % kinds.length] ?? { chunked: true, expectContinue: false };
        next += 1;
        const answer = await sendLikeCurl(stack.url, { path: SIGNUP, body: bigJson, ...kind });
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        if (next % 10 === 0) {
          const login = await fetch(`${stack.url}/auth/login`, {
            headers: { accept: 'text/html' },
          });
          await login.arrayBuffer();
          loginDuringBurst += 1;
          if (login.status === 200) loginOkDuringBurst += 1;
        }
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    const fdsRightAfter = await stack.gateway.openFds();
    report(
      `200 oversized bodies in ${Math.round(performance.now() - began)} ms: statuses ${JSON.stringify(Object.fromEntries(statuses))}; login page ${loginOkDuringBurst}/${loginDuringBurst} ok during the burst; gateway fds ${fdsBefore} → ${fdsRightAfter}`,
    );
    expect(Object.fromEntries(statuses)).toEqual({ 413: 200 });
    expect(loginOkDuringBurst).toBe(loginDuringBurst);
    expect(await breakerState(stack, 'auth')).toBe(0);
    const login = await fetch(`${stack.url}/auth/login`, { headers: { accept: 'text/html' } });
    expect(login.status).toBe(200);
    // Nothing is left open: the fd count comes back near where it was.
    const settledIn = await waitUntil(
      async () => (await stack.gateway.openFds()) <= fdsBefore + 8,
      10_000,
      'gateway file descriptors back to their level before the burst',
    );
    report(`gateway fds back to ${await stack.gateway.openFds()} within ${settledIn} ms`);
  });

  it('drains and exits 0 on SIGTERM after serving oversized bodies', async () => {
    await Promise.all(
      [0, 1, 2, 3].map(() =>
        sendLikeCurl(stack.url, {
          path: SIGNUP,
          body: bigJson,
          chunked: true,
          expectContinue: false,
        }),
      ),
    );
    const exit = await stack.gateway.stop('SIGTERM');
    report(`gateway SIGTERM after oversized bodies: code ${exit.code} in ${exit.ms} ms`);
    expect(exit.code).toBe(0);
    expect(stack.gateway.logs()).not.toContain('killed by timeout');
    await stack.gateway.start();
  });
});
