// Request bodies are streamed to upstreams, never buffered; this caps how much a client may send.
import type { IncomingMessage } from 'node:http';
import { type Readable, Transform } from 'node:stream';
import { ClientClosedError } from './forward-errors.js';

const BODY_TOO_LARGE = 'AUTHFLOW_BODY_TOO_LARGE';

export function isBodyTooLarge(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth += 1) {
    if ((current as { code?: unknown }).code === BODY_TOO_LARGE) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

export function bodyTooLarge(maxBytes: number): Error {
  return Object.assign(new Error(`request body exceeds ${maxBytes} bytes`), {
    code: BODY_TOO_LARGE,
    statusCode: 413,
  });
}

/** A route's body limit: its own `maxBodyBytes`, never above the gateway's. */
export function routeBodyLimit(
  route: { readonly maxBodyBytes?: number } | undefined,
  maxBodyBytes: number,
): number {
  return Math.min(route?.maxBodyBytes ?? maxBodyBytes, maxBodyBytes);
}

/** The declared Content-Length over `maxBytes` (a body refused before anything is forwarded). */
export function isDeclaredTooLarge(request: IncomingMessage, maxBytes: number): boolean {
  const declared = request.headers['content-length'];
  return declared !== undefined && Number(declared) > maxBytes;
}

/**
 * The body as a stream that fails once more than `maxBytes` have passed, or with
 * ClientClosedError when the client leaves before its end (so neither counts against the
 * upstream). Nothing more is read from the client once the limit is passed.
 */
export function limitBody(payload: IncomingMessage, maxBytes: number): Readable {
  let seen = 0;
  const limiter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > maxBytes) {
        payload.unpipe(limiter);
        callback(bodyTooLarge(maxBytes));
        return;
      }
      callback(null, chunk);
    },
  });
  payload.on('error', () => undefined);
  payload.once('close', () => {
    if (!payload.complete && !limiter.destroyed) limiter.destroy(new ClientClosedError());
  });
  payload.pipe(limiter);
  return limiter;
}
