// One proxied HTTP exchange, straight on the upstream's undici pool (Dispatcher.dispatch): the
// response head and body are written to the client socket as they arrive, with backpressure both
// ways, and nothing of the exchange is buffered. This replaces @fastify/reply-from on the hot path,
// where its per-request stream wrappers and async resources cost more than the proxying itself.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import type { Dispatcher } from 'undici';
import { ClientClosedError, UpstreamTimeoutError } from './forward-errors.js';
import { lingerAfterAnswer } from './lingering-close.js';
import { mergeSetCookie, removeHopByHop } from './upstream-headers.js';
import type { Upstream, UpstreamLease } from './upstreams.js';

export interface ForwardRequest {
  readonly method: Dispatcher.HttpMethod;
  /** Path and query as the upstream receives them. */
  readonly path: string;
  /** As undici takes them best: a flat `[name, value, …]` list (upstream-headers.ts). */
  readonly headers: string[];
  /** The streamed request body (already size-limited), when the request has one. */
  readonly body: Readable | undefined;
  /** Deadline from now to the response head, waiting for a pooled connection included. */
  readonly timeoutMs: number;
  /** The verified session the request carries, if any. */
  readonly sessionId?: string | undefined;
  /**
   * Told the upstream's own Set-Cookie lines (before the gateway's join) when the request carries
   * a session: one function per route, the session id passed in (no closure per request).
   */
  readonly onSetCookie?: (setCookie: string | string[], sessionId: string) => void;
  /**
   * Told when the answer has been written in full (the fast path's request metrics; fastify's
   * own onResponse hook counts the others): one object per route, no closure per request.
   */
  readonly observer?: ExchangeObserver | undefined;
}

export interface ExchangeObserver {
  answered(method: string, statusCode: number, startedAt: number): void;
}

/**
 * The client side of an exchange: the raw request and response, and the fastify reply when the
 * request went through fastify (its cookies are merged into the answer, and it is hijacked once
 * the upstream's head is written); the fast path (fast-path.ts) has none.
 */
export interface ClientExchange {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  readonly reply: FastifyReply | undefined;
  /** `performance.now()` when the request arrived, for the observer. */
  readonly startedAt: number;
}

/**
 * Settles once the upstream has answered with a response head (with its status) or failed
 * before it. The lease is released once the exchange no longer occupies the upstream.
 */
export function forwardHttp(
  client: ClientExchange,
  upstream: Upstream,
  forward: ForwardRequest,
  lease: UpstreamLease,
): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    // The client may have left while the session was being verified: nothing to forward.
    if (clientGone(client)) {
      lease.release();
      reject(new ClientClosedError());
      return;
    }
    const exchange = new Exchange(client, forward, lease, resolve, reject);
    upstream.pool.dispatch(
      {
        origin: upstream.origin,
        method: forward.method,
        path: forward.path,
        headers: forward.headers,
        body: forward.body ?? null,
        // Backstops only: the exchange's own deadline, started before the pool wait, comes first.
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
  readonly #client: ClientExchange;
  readonly #lease: UpstreamLease;
  readonly #resolve: (statusCode: number) => void;
  readonly #reject: (error: unknown) => void;
  readonly #deadline: NodeJS.Timeout;
  readonly #forward: ForwardRequest;
  #controller: Dispatcher.DispatchController | undefined;
  #response: ServerResponse | undefined;
  #statusCode = 0;
  #finished = false;
  /** Why the exchange was given up before undici started it (client left, deadline passed). */
  #abandoned: Error | undefined;

  constructor(
    client: ClientExchange,
    forward: ForwardRequest,
    lease: UpstreamLease,
    resolve: (statusCode: number) => void,
    reject: (error: unknown) => void,
  ) {
    this.#client = client;
    this.#lease = lease;
    this.#resolve = resolve;
    this.#reject = reject;
    this.#forward = forward;
    const { timeoutMs } = forward;
    this.#deadline = setTimeout(() => this.#expire(timeoutMs), timeoutMs);
    // Listened for from the start: a client that leaves while the request waits for a pooled
    // connection must not leave that connection to an exchange nobody reads.
    client.response.once('close', this.#onClientClose);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#abandoned !== undefined) controller.abort(this.#abandoned);
    else if (clientGone(this.#client)) this.#abandon(new ClientClosedError());
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    // Interim responses (103 Early Hints and the like) are not forwarded; the final one follows.
    if (statusCode < 200 || this.#abandoned !== undefined) return;
    const client = this.#client;
    if (clientGone(client)) {
      this.#abandon(new ClientClosedError());
      return;
    }
    clearTimeout(this.#deadline);
    removeHopByHop(headers);
    const upstreamCookies = headers['set-cookie'];
    const { sessionId, onSetCookie } = this.#forward;
    if (upstreamCookies !== undefined && sessionId !== undefined)
      onSetCookie?.(upstreamCookies, sessionId);
    // Cookies the gateway set before forwarding (optional routes expire a bad session cookie)
    // go out with the upstream's answer, which is written on the raw response below.
    const ownCookies = client.reply?.getHeader('set-cookie');
    if (ownCookies !== undefined)
      headers['set-cookie'] = mergeSetCookie(ownCookies, headers['set-cookie']);
    // The upstream answered before the client finished its body (a 413, an early denial): the
    // rest of that body is never read, so the connection cannot carry another request.
    if (!client.request.complete) {
      headers.connection = 'close';
      lingerAfterAnswer(client.request);
    }
    const response = client.response;
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
    client.reply?.hijack();
    this.#response = response;
    this.#statusCode = statusCode;
    this.#resolve(statusCode);
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
    this.#finish();
    const response = this.#response;
    if (response === undefined) return;
    const { observer, method } = this.#forward;
    if (observer === undefined) {
      response.end();
      return;
    }
    // Counted once the answer is out, as fastify counts its own (on 'finish').
    const statusCode = this.#statusCode;
    const { startedAt } = this.#client;
    response.end((error?: Error | null) => {
      if (error === undefined || error === null) observer.answered(method, statusCode, startedAt);
    });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.#finish();
    const response = this.#response;
    // Before the head: the caller answers 502/503/504 through fastify. After it: the client
    // already has a status line, so the only honest signal left is a cut connection.
    if (response === undefined) this.#reject(this.#abandoned ?? error);
    else response.destroy(error);
  }

  /** The deadline passed before the response head: answer 504 now, whatever undici is doing. */
  #expire(timeoutMs: number): void {
    if (this.#finished || this.#response !== undefined) return;
    this.#abandon(new UpstreamTimeoutError(timeoutMs, !this.#client.request.complete));
  }

  /**
   * Gives the exchange up: rejects at once (the breaker counts it now, the client is answered
   * now) and aborts the dispatch, or marks it so that it is aborted as soon as undici starts it.
   */
  #abandon(reason: Error): void {
    if (this.#abandoned !== undefined) return;
    this.#abandoned = reason;
    this.#finish();
    this.#reject(reason);
    this.#controller?.abort(reason);
  }

  #finish(): void {
    this.#finished = true;
    clearTimeout(this.#deadline);
    this.#lease.release();
  }

  readonly #onClientClose = (): void => {
    if (this.#finished) return;
    if (this.#response === undefined) this.#abandon(new ClientClosedError());
    else this.#controller?.abort(new ClientClosedError());
  };
}

function clientGone(client: ClientExchange): boolean {
  return client.response.destroyed || client.request.socket.destroyed;
}
