// An HTTP client that sends exactly what it is given, for tests of what a server does with it.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface Response {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  // response.json<Shape>() reads better than a cast at every call.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
  json<T = unknown>(): T;
}

/** How to reach the server, for tests that care where a request comes from or whom it trusts. */
export interface ConnectionOptions {
  /** The local address to connect from (any 127.x.y.z works on Linux loopback). */
  readonly localAddress?: string;
  /** For https: the certificate to trust. */
  readonly ca?: string;
}

/**
 * Sends exactly the path and headers given (no URL normalisation, no header fixing), as an
 * attacker's client would: `..`, `%2e%2e`, Connection lists and lying Content-Length included.
 */
export function sendRaw(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string | Buffer,
  connection: ConnectionOptions = {},
): Promise<Response> {
  const { protocol, hostname, port } = new URL(baseUrl);
  const request = protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: hostname,
        port,
        method,
        path,
        headers,
        agent: false,
        localAddress: connection.localAddress,
        ca: connection.ca,
      },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: incoming.statusCode ?? 0,
            headers: incoming.headers,
            body: text,
            // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
            json: <T>() => JSON.parse(text) as T,
          });
        });
        incoming.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    const chunked = headers['transfer-encoding'] === 'chunked';
    if (body !== undefined && !chunked && headers['content-length'] === undefined) {
      outgoing.setHeader('content-length', Buffer.byteLength(body));
    }
    if (body !== undefined) outgoing.write(body);
    // A declared length with nothing sent: the server must answer without waiting for the body.
    if (headers['content-length'] !== undefined && body === undefined) outgoing.flushHeaders();
    else outgoing.end();
  });
}
