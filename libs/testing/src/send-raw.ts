// An HTTP client that sends exactly what it is given, for tests of what a server does with it.
import { request as rawRequest } from 'node:http';

export interface Response {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  // response.json<Shape>() reads better than a cast at every call.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
  json<T = unknown>(): T;
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
): Promise<Response> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const outgoing = rawRequest(
      { host: hostname, port, method, path, headers, agent: false },
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
