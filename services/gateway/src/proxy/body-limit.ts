// Request bodies are streamed to upstreams, never buffered; this caps how much a client may send.
import type { IncomingMessage } from 'node:http';
import { pipeline, type Readable, Transform } from 'node:stream';

const BODY_TOO_LARGE = 'AUTHFLOW_BODY_TOO_LARGE';

export function isBodyTooLarge(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth += 1) {
    if ((current as { code?: unknown }).code === BODY_TOO_LARGE) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** The body as a stream that fails once more than `maxBytes` have passed. */
export function limitBody(payload: IncomingMessage, maxBytes: number): Readable {
  let seen = 0;
  const limiter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > maxBytes) {
        callback(
          Object.assign(new Error(`request body exceeds ${maxBytes} bytes`), {
            code: BODY_TOO_LARGE,
            statusCode: 413,
          }),
        );
        return;
      }
      callback(null, chunk);
    },
  });
  pipeline(payload, limiter, () => undefined);
  return limiter;
}
