// One proxied HTTP exchange, straight on the upstream's undici pool (Dispatcher.dispatch): the
// response head and body are written to the client socket as they arrive, with backpressure both
// ways, and nothing of the exchange is buffered. This replaces @fastify/reply-from on the hot path,
// where its per-request stream wrappers and async resources cost more than the proxying itself.
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import type { Dispatcher } from 'undici';
import { removeHopByHop } from './upstream-headers.js';
import type { Upstream } from './upstreams.js';

export interface ForwardRequest {
  readonly method: Dispatcher.HttpMethod;
  /** Path and query as the upstream receives them. */
  readonly path: string;
  readonly headers: Record<string, string | string[] | undefined>;
  /** The streamed request body (already size-limited), when the request has one. */
  readonly body: Readable | undefined;
  readonly timeoutMs: number;
}

/** Settles once the upstream has answered with a response head (success) or failed before it. */
export function forwardHttp(
  reply: FastifyReply,
  upstream: Upstream,
  forward: ForwardRequest,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    // The client may have left while the session was being verified: nothing to forward.
    if (clientGone(reply)) {
      reject(new ClientClosedError());
      return;
    }
    const exchange = new Exchange(reply, resolve, reject);
    upstream.pool.dispatch(
      {
        origin: upstream.origin,
        method: forward.method,
        path: forward.path,
        headers: forward.headers as IncomingHttpHeaders,
        body: forward.body ?? null,
        headersTimeout: forward.timeoutMs,
        bodyTimeout: forward.timeoutMs,
        // Never retried by undici: a retried POST is a duplicated POST.
        idempotent: false,
      },
      exchange,
    );
  });
}

class Exchange implements Dispatcher.DispatchHandler {
  readonly #reply: FastifyReply;
  readonly #resolve: () => void;
  readonly #reject: (error: unknown) => void;
  #controller: Dispatcher.DispatchController | undefined;
  #response: ServerResponse | undefined;
  #finished = false;

  #clientClosed = false;

  constructor(reply: FastifyReply, resolve: () => void, reject: (error: unknown) => void) {
    this.#reply = reply;
    this.#resolve = resolve;
    this.#reject = reject;
    // Listened for from the start: a client that leaves while the request waits for a pooled
    // connection must not leave that connection to an exchange nobody reads.
    reply.raw.once('close', this.#onClientClose);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#clientClosed || clientGone(this.#reply)) controller.abort(new ClientClosedError());
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    // Interim responses (103 Early Hints and the like) are not forwarded; the final one follows.
    if (statusCode < 200) return;
    if (this.#clientClosed || clientGone(this.#reply)) {
      controller.abort(new ClientClosedError());
      return;
    }
    removeHopByHop(headers);
    const response = this.#reply.raw;
    try {
      response.writeHead(statusCode, headers);
    } catch (error) {
      // A header Node refuses to write (invalid name or value): the upstream's answer is unusable.
      // Abort first: undici then reports the abort to onResponseError, which rejects with it.
      controller.abort(
        Object.assign(new Error('invalid upstream response head'), { cause: error }),
      );
      return;
    }
    this.#reply.hijack();
    this.#response = response;
    this.#resolve();
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    const response = this.#response;
    if (response === undefined) return;
    if (!response.write(chunk)) {
      // A response that can no longer drain (the client is gone) ends the exchange instead.
      if (response.destroyed) controller.abort(new ClientClosedError());
      else {
        controller.pause();
        response.once('drain', () => controller.resume());
      }
    }
  }

  onResponseEnd(): void {
    this.#finished = true;
    this.#response?.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.#finished = true;
    const response = this.#response;
    // Before the head: the caller answers 502/503/504 through fastify. After it: the client
    // already has a status line, so the only honest signal left is a cut connection.
    if (response === undefined) this.#reject(error);
    else response.destroy(error);
  }

  readonly #onClientClose = (): void => {
    if (this.#finished) return;
    this.#clientClosed = true;
    this.#controller?.abort(new ClientClosedError());
  };
}

function clientGone(reply: FastifyReply): boolean {
  return reply.raw.destroyed || reply.request.raw.socket.destroyed;
}

/** The client went away before the upstream finished; nothing is left to answer. */
export class ClientClosedError extends Error {
  override readonly name = 'ClientClosedError';
  readonly code = 'AUTHFLOW_CLIENT_CLOSED';
  constructor() {
    super('client closed the connection');
  }
}
