// The Node ceiling of issue 18: a bare reverse proxy with nothing but `node:http` in and undici's
// `Pool.dispatch` out to the same backend, as the gateway does it (same pool settings, streaming
// with backpressure, hop-by-hop headers of the answer dropped). No routing, verification, metrics
// or logging: whatever the gateway costs above this, it costs for what it does on top.
// BENCH_PORT and BACKEND_URL configure it.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Pool, type Dispatcher } from 'undici';

const port = Number(process.env.BENCH_PORT);
const backendUrl = process.env.BACKEND_URL ?? 'http://127.0.0.1:8080';
const { origin } = new URL(backendUrl);
// The gateway's upstream pool for the bench backend (bench/gateway-process.ts: 128 connections).
const pool = new Pool(origin, { connections: 128, pipelining: 1, keepAliveTimeout: 30_000 });

/** Streams one upstream answer to the client; a client that leaves aborts the exchange. */
class Exchange implements Dispatcher.DispatchHandler {
  readonly #response: ServerResponse;
  #controller: Dispatcher.DispatchController | undefined;
  #headSent = false;

  constructor(response: ServerResponse) {
    this.#response = response;
    response.once('close', () => {
      if (!response.writableFinished) this.#controller?.abort(new Error('client closed'));
    });
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    if (statusCode < 200) return;
    delete headers.connection;
    delete headers['keep-alive'];
    this.#response.writeHead(statusCode, headers);
    this.#headSent = true;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#response.write(chunk)) return;
    controller.pause();
    this.#response.once('drain', () => controller.resume());
  }

  onResponseEnd(): void {
    this.#response.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.#headSent || this.#response.destroyed) this.#response.destroy(error);
    else this.#response.writeHead(502, { 'content-length': '0' }).end();
  }
}

const server = createServer((request: IncomingMessage, response: ServerResponse) => {
  const hasBody =
    request.headers['content-length'] !== undefined ||
    request.headers['transfer-encoding'] !== undefined;
  pool.dispatch(
    {
      origin,
      method: request.method as Dispatcher.HttpMethod,
      path: request.url ?? '/',
      headers: request.headers,
      body: hasBody ? request : null,
    },
    new Exchange(response),
  );
});
// Longer than wrk keeps a connection idle between runs; the same as the backend's.
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
server.listen(port, '127.0.0.1');

const stop = (): void => {
  server.close(() => void pool.close().finally(() => process.exit(0)));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 1_000).unref();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
