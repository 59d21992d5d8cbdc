// A JWKS endpoint on a real port for tests: counts fetches, can fail, stall or go away.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JWK } from 'jose';
import { onTestFinished } from 'vitest';

/** `serve`: 200 with the keys. `error`: 500. `stall`: accepts and never answers. */
export type JwksServerMode = 'serve' | 'error' | 'stall';

export interface JwksServer {
  readonly url: string;
  /** How many requests reached the server so far. */
  readonly requests: number;
  setKeys(keys: readonly JWK[]): void;
  setMode(mode: JwksServerMode): void;
  /** Stops listening: later fetches are refused. */
  stop(): Promise<void>;
}

/** Starts a JWKS server that is closed when the calling test finishes. */
export async function startJwksServer(keys: readonly JWK[]): Promise<JwksServer> {
  let current = [...keys];
  let mode: JwksServerMode = 'serve';
  let requests = 0;
  const server = createServer((_request, response) => {
    requests += 1;
    if (mode === 'stall') return;
    if (mode === 'error') {
      response.writeHead(500).end();
      return;
    }
    response
      .writeHead(200, { 'content-type': 'application/jwk-set+json' })
      .end(JSON.stringify({ keys: current }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const stop = async (): Promise<void> => {
    if (!server.listening) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  onTestFinished(stop);
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    get requests() {
      return requests;
    },
    setKeys: (next) => (current = [...next]),
    setMode: (next) => (mode = next),
    stop,
  };
}
