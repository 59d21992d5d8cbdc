// An HTTP(S) client for edge tests: the exact path and headers given, a chosen source address
// (127.0.0.2 is a client that is not the trusted load balancer), no connection reuse. The
// shared `sendRaw` does the sending; this only names the options edge tests use.
import { type Response, sendRaw } from '@authflow/testing';

export interface SendOptions {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
  /** The local address to connect from (any 127.x.y.z works on Linux loopback). */
  readonly localAddress?: string;
  /** For https: the certificate to trust. */
  readonly ca?: string;
}

export type SentResponse = Response;

/**
 * Sends `path` verbatim (no URL normalisation: `//`, `%69`, letter case stay as written) to the
 * server at `baseUrl`. A `content-length` header without a body sends the headers alone and
 * returns as soon as the server answers, as a client announcing a large upload would.
 */
export function send(
  baseUrl: string,
  path: string,
  options: SendOptions = {},
): Promise<SentResponse> {
  return sendRaw(baseUrl, options.method ?? 'GET', path, { ...options.headers }, options.body, {
    localAddress: options.localAddress,
    ca: options.ca,
  });
}
