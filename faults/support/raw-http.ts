// Bytes on a raw socket, for requests no HTTP client would send: what came back, and whether the
// server closed the connection.
import { connect } from 'node:net';

export interface RawExchange {
  /** Every status code the server wrote, in order (interim 1xx included). */
  readonly statuses: number[];
  /** The last final (non-1xx) status, or 0 when none came. */
  readonly status: number;
  /** Everything received, as latin1 text. */
  readonly text: string;
  /** The server closed (or reset) the connection. */
  readonly closed: boolean;
  readonly ms: number;
}

export interface RawOptions {
  /** With no complete answer after this long, the client half-closes its side (default 1500 ms). */
  readonly quietMs?: number;
  /** Given up after this long in all (default 6000 ms). */
  readonly giveUpMs?: number;
}

/**
 * Writes `bytes` (one string or buffer, or pieces written in turn) to `port` and collects the
 * answer until the server closes the connection, a complete answer has arrived and 300 ms passed
 * without more, or `giveUpMs`.
 */
export function sendRawBytes(
  port: number,
  bytes: string | Buffer | readonly (string | Buffer)[],
  options: RawOptions = {},
): Promise<RawExchange> {
  const began = performance.now();
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    let settled = false;
    let idle: NodeJS.Timeout | undefined;
    const finish = (closed: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(quiet);
      clearTimeout(giveUp);
      clearTimeout(idle);
      socket.destroy();
      const text = received.toString('latin1');
      const statuses = [...text.matchAll(/(?:^|\r\n)HTTP\/1\.[01] (\d{3}) /gu)].map((match) =>
        Number(match[1]),
      );
      resolve({
        statuses,
        status: statuses.filter((status) => status >= 200).at(-1) ?? 0,
        text,
        closed,
        ms: performance.now() - began,
      });
    };
    const quiet = setTimeout(() => {
      if (received.length === 0) socket.end();
    }, options.quietMs ?? 1_500);
    const giveUp = setTimeout(() => finish(false), options.giveUpMs ?? 6_000);
    socket.on('error', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      clearTimeout(idle);
      if (isCompleteAnswer(received.toString('latin1')))
        idle = setTimeout(() => finish(false), 300);
    });
    const pieces = Array.isArray(bytes) ? bytes : [bytes];
    for (const piece of pieces as (string | Buffer)[])
      socket.write(typeof piece === 'string' ? Buffer.from(piece, 'latin1') : piece);
  });
}

/** A final answer whose body (by Content-Length or chunked end) has fully arrived. */
function isCompleteAnswer(text: string): boolean {
  const final = text.replace(/^(?:HTTP\/1\.[01] 1\d\d[^\r]*\r\n(?:[^\r]+\r\n)*\r\n)+/u, '');
  const headEnd = final.indexOf('\r\n\r\n');
  if (!/^HTTP\/1\.[01] [2-5]\d\d/u.test(final) || headEnd === -1) return false;
  const rest = final.slice(headEnd + 4);
  const length = /\r\ncontent-length: *(\d+)/iu.exec(final.slice(0, headEnd))?.[1];
  if (length !== undefined) return Buffer.byteLength(rest, 'latin1') >= Number(length);
  return /\r\ntransfer-encoding: *chunked/iu.test(final.slice(0, headEnd))
    ? rest.endsWith('0\r\n\r\n')
    : false;
}
