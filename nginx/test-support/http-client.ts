// An HTTP(S) client for edge tests: the exact path and headers given, a chosen source address
// (127.0.0.2 is a client that is not the trusted load balancer), no connection reuse.
import { type IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface SendOptions {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
  /** The local address to connect from (any 127.x.y.z works on Linux loopback). */
  readonly localAddress?: string;
  /** For https: the certificate to trust. */
  readonly ca?: string;
}

export interface SentResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  json<T = unknown>(): T;
}

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
  const { protocol, hostname, port } = new URL(baseUrl);
  const request = protocol === 'https:' ? httpsRequest : httpRequest;
  const headers = { ...options.headers };
  if (options.body !== undefined && headers['content-length'] === undefined) {
    headers['content-length'] = String(Buffer.byteLength(options.body));
  }
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: hostname,
        port,
        method: options.method ?? 'GET',
        path,
        headers,
        agent: false,
        localAddress: options.localAddress,
        ca: options.ca,
      },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          outgoing.destroy();
          resolve({
            status: incoming.statusCode ?? 0,
            headers: incoming.headers,
            body: text,
            json: <T>() => JSON.parse(text) as T,
          });
        });
        incoming.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    if (options.body !== undefined) outgoing.end(options.body);
    else if (headers['content-length'] !== undefined) outgoing.flushHeaders();
    else outgoing.end();
  });
}
