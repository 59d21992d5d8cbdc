// The fast path: the gateway's most common request — a GET or HEAD without a body on a proxied
// route, which on a protected route carries the cookie of a session this instance has cached, from
// the same device, within the route's policy, with its assertion already signed (on an optional
// route: that, or no session cookie at all; on a public route: nothing) — is proxied from Node's
// request event, without fastify's request lifecycle. It runs the same checks from the same
// functions and hands anything else to fastify untouched: it only takes a request it can finish
// exactly as the full path would. Its own failures before the upstream's head go to fastify too,
// to be answered by the error handler (page or JSON, counted and logged as any other).
//
// The price of fastify's lifecycle on a proxied request (request and reply objects, hook runners,
// promise hops, the onResponse listeners) was most of what the gateway cost above a bare Node
// proxy: bench/RESULTS.md, issue 18.
import {
  createServer,
  type IncomingMessage,
  type ServerOptions,
  type ServerResponse,
} from 'node:http';
import { performance } from 'node:perf_hooks';
import { type AuthflowError, errorBody } from '@authflow/errors';
import { REQUEST_ARRIVED_AT } from '@authflow/observability';
import {
  ASSIGNED_REQUEST_ID,
  type ForwardedView,
  forwardedView,
  requestIdGenerator,
  type TrustFunction,
} from '@authflow/proxy-trust';
import type { SessionRecord } from '@authflow/sessions';
import type { FastifyBaseLogger, FastifyInstance, FastifyServerOptions } from 'fastify';
import type { Histogram } from 'prom-client';
import { normalizeRequestHost } from '../config/hosts.js';
import type { ProxyRoute } from '../config/routes-file.js';
import { gatewayErrors } from '../errors/gateway-errors.js';
import { isCanonicalPath } from '../http/canonical-path.js';
import type { AssertionSigner } from '../identity/assertion-signer.js';
import type { GatewayMetrics } from '../observability/gateway-metrics.js';
import { HOST_CONSTRAINT, hostConstraintStrategy } from '../routing/host-constraint.js';
import {
  decideAccess,
  hasRequestRules,
  isUnrestricted,
  type RoutePolicy,
} from '../verification/route-policy.js';
import type { SessionVerifier } from '../verification/session-verifier.js';
import type { ClientExchange, ExchangeObserver, ForwardRequest } from './forward-http.js';
import { attemptExchange } from './proxy-attempt.js';
import { type HeaderRewrite, upstreamHeaderList } from './upstream-headers.js';
import { admit, type Upstream, type UpstreamLease } from './upstreams.js';

type Listener = (request: IncomingMessage, response: ServerResponse) => void;

/** The options fastify hands its serverFactory that it would apply to a server of its own. */
interface ServerSettings {
  readonly http?: ServerOptions;
  readonly keepAliveTimeout: number;
  readonly requestTimeout: number;
  readonly connectionTimeout: number;
  readonly maxRequestsPerSocket: number;
}

/** Where a request the fast path began carries its failure into fastify (fastPathFailure). */
const FAILURE = Symbol('authflow.fastPathFailure');

type FastPathRequest = IncomingMessage & {
  [FAILURE]?: AuthflowError;
  [ASSIGNED_REQUEST_ID]?: string;
  [REQUEST_ARRIVED_AT]?: number;
};

/**
 * The failure of an exchange the fast path began, for the first onRequest hook (the request
 * guard) to raise, so that the error handler answers it as it answers any other.
 */
export function fastPathFailure(request: IncomingMessage): AuthflowError | undefined {
  return (request as FastPathRequest)[FAILURE];
}

/**
 * The HTTP server's request listener: the fast path when it is open and takes the request,
 * fastify otherwise. Made before fastify (its `serverFactory`), opened once the routes exist.
 */
export class FastPathServer {
  #fastify: Listener | undefined;
  #lane: FastLane | undefined;

  /** fastify's `serverFactory` option: the same server fastify makes, with this listener. */
  readonly serverFactory: NonNullable<FastifyServerOptions['serverFactory']> = (
    handler,
    fastifyOptions,
  ) => {
    this.#fastify = handler;
    const options = fastifyOptions as unknown as ServerSettings;
    const server = createServer(options.http ?? {}, this.#listener);
    // What fastify sets on the server it makes itself.
    server.keepAliveTimeout = options.keepAliveTimeout;
    server.requestTimeout = options.requestTimeout;
    server.setTimeout(options.connectionTimeout);
    if (options.maxRequestsPerSocket > 0)
      server.maxRequestsPerSocket = options.maxRequestsPerSocket;
    return server;
  };

  /** Starts taking requests (the routes are registered); `undefined` leaves everything to fastify. */
  open(lane: FastLane | undefined): void {
    this.#lane = lane;
  }

  /** Hands a request to fastify as if the fast path had never seen it. */
  readonly handOn: Listener = (request, response) => {
    this.#fastify?.(request, response);
  };

  readonly #listener: Listener = (request, response) => {
    if (this.#lane?.take(request, response) !== true) this.handOn(request, response);
  };
}

export interface FastRouteOptions {
  /** Its `access` says what the fast path checks: a session (protected), one if presented (optional), none (public). */
  readonly route: ProxyRoute;
  /** The route's prefix without a trailing slash (`''` for `/`). */
  readonly prefix: string;
  readonly upstream: Upstream;
  readonly policy: RoutePolicy;
  readonly timeoutMs: number;
  readonly onSetCookie: (setCookie: string | string[], sessionId: string) => void;
}

/** What the checks found, for the exchange. */
interface Plan {
  readonly method: 'GET' | 'HEAD';
  readonly url: string;
  readonly route: FastRoute;
  readonly view: ForwardedView;
  /** The verified identity; none on a public route, or an optional one visited without a session. */
  readonly identity: { readonly session: SessionRecord; readonly assertion: string } | undefined;
}

interface FastRoute extends FastRouteOptions {
  readonly unrestricted: boolean;
  /** Whether a request without a session passes (optional and public routes without request rules). */
  readonly anonymousPasses: boolean;
  readonly observer: ExchangeObserver;
}

export interface FastLaneOptions {
  /** The app whose router decides (fastify's findRoute): the fast path never routes on its own. */
  readonly app: FastifyInstance;
  readonly verifier: SessionVerifier;
  readonly signer: AssertionSigner;
  readonly metrics: GatewayMetrics;
  readonly requestDuration: Histogram<'route' | 'method' | 'status_code'>;
  readonly rewrite: HeaderRewrite;
  readonly trust: TrustFunction;
  /** Whether any proxy is trusted (fastify's trustProxy is on). */
  readonly anyTrusted: boolean;
  readonly maxCookieHeaderBytes: number;
  /** Whether any route has `hosts` (the router then derives the host constraint). */
  readonly hostsInUse: boolean;
  readonly handOn: Listener;
  readonly logger: FastifyBaseLogger;
}

/** The proxied routes the fast path may take, and the requests it takes on them. */
export class FastLane {
  readonly #options: FastLaneOptions;
  /** Longest prefix first: the first that matches is the most specific. */
  #routes: FastRoute[] = [];
  #closing = false;
  readonly #requestId: (request: IncomingMessage) => string;

  constructor(options: FastLaneOptions) {
    this.#options = options;
    this.#requestId = requestIdGenerator(options.trust);
    // Requests that arrive while the app closes get fastify's 503 (return503OnClosing).
    options.app.addHook('preClose', (done) => {
      this.#closing = true;
      done();
    });
  }

  add(route: FastRouteOptions): void {
    this.#routes.push({
      ...route,
      unrestricted: isUnrestricted(route.policy),
      anonymousPasses: route.route.access !== 'protected' && !hasRequestRules(route.policy),
      observer: new RouteObserver(this.#options.requestDuration, route.route.prefix),
    });
    this.#routes.sort((a, b) => b.prefix.length - a.prefix.length);
  }

  get size(): number {
    return this.#routes.length;
  }

  /** Proxies the request and returns true, or returns false having changed nothing. */
  take(request: IncomingMessage, response: ServerResponse): boolean {
    const startedAt = performance.now();
    let plan: Plan | undefined;
    try {
      plan = this.#plan(request);
    } catch (error) {
      // A bug here must not take the process down (a throw in Node's request event would): the
      // request goes to fastify, which has changed nothing yet.
      this.#options.logger.error({ err: error }, 'fast path failed; request handed to fastify');
      return false;
    }
    if (plan === undefined) return false;
    const upstream = plan.route.upstream;
    // An open or half-open breaker (its fast refusal, its single trial) is fastify's path, and so
    // is a full queue (its 503).
    if (!upstream.breaker.closed) return false;
    const lease = admit(upstream);
    if (lease === undefined) return false;

    // Taken: from here on the request is this path's, counted as the full path counts it.
    const client: ClientExchange = { request, response, reply: undefined, startedAt };
    try {
      this.#proxy(client, plan, lease);
    } catch (error) {
      // Nothing here is known to throw; if something does, the request is still answered (500,
      // through fastify) and its place among the upstream's admitted is given back.
      lease.release();
      this.#options.logger.error({ err: error }, 'fast path failed after taking a request');
      (request as FastPathRequest)[FAILURE] = gatewayErrors.create('internal_error', {
        cause: error,
      });
      this.#options.handOn(request, response);
    }
    return true;
  }

  #proxy(client: ClientExchange, plan: Plan, lease: UpstreamLease): void {
    const { request } = client;
    const { route, identity, view } = plan;
    const upstream = route.upstream;
    const options = this.#options;
    if (identity !== undefined) options.verifier.keep(identity.session);
    options.metrics.fastPath.inc();
    const id = this.#requestId(request);
    (request as FastPathRequest)[ASSIGNED_REQUEST_ID] = id;
    const upstreamHeaders = upstreamHeaderList(
      request.headers,
      {
        id,
        ip: view.ip,
        protocol: view.protocol,
        host: view.host,
        peerAddress: request.socket.remoteAddress,
        peerTrusted: view.peerTrusted,
      },
      options.rewrite,
      { identity, host: upstream.host },
    );
    attemptExchange(
      client,
      upstream,
      {
        method: plan.method,
        path: plan.url,
        headers: upstreamHeaders,
        body: undefined,
        timeoutMs: route.timeoutMs,
        sessionId: identity?.session.id,
        onSetCookie: route.onSetCookie,
        observer: route.observer,
      },
      lease,
      this.#answerFailure,
    );
  }

  /** Every check of the full path, without a side effect; `undefined` when any says no. */
  #plan(request: IncomingMessage): Plan | undefined {
    if (this.#closing) return undefined;
    const method = request.method;
    if (method !== 'GET' && method !== 'HEAD') return undefined;
    const headers = request.headers;
    const cookie = headers.cookie;
    // No body (nothing to limit, parse or invite), no upgrade, and a cookie within the limit the
    // request guard holds every request to; anything else is fastify's.
    if (
      (cookie !== undefined && cookie.length > this.#options.maxCookieHeaderBytes) ||
      headers['content-length'] !== undefined ||
      headers['transfer-encoding'] !== undefined ||
      headers.expect !== undefined ||
      headers.upgrade !== undefined
    )
      return undefined;
    const url = request.url ?? '';
    if (!isCanonicalPath(url)) return undefined;
    const queryStart = url.indexOf('?');
    const path = queryStart === -1 ? url : url.slice(0, queryStart);
    const route = this.#routeOf(method, path, request);
    if (route === undefined) return undefined;

    const options = this.#options;
    const view = forwardedView(request, options.trust, options.anyTrusted);
    const { access } = route.route;
    // A public route looks at no session, an optional one only at a session that is presented
    // (verification.plugin.ts); without request rules such a request passes as it is.
    if (
      access === 'public' ||
      (access === 'optional' && !options.verifier.carriesSessionCookie(headers))
    )
      return route.anonymousPasses ? { method, url, route, view, identity: undefined } : undefined;
    const session = options.verifier.verifyCached({ headers, ip: view.ip });
    if (session === undefined) return undefined;
    if (
      !route.unrestricted &&
      decideAccess({
        session,
        policy: route.policy,
        request: { method, host: normalizeRequestHost(headers.host), path },
      }).kind !== 'allow'
    )
      return undefined;
    const assertion = options.signer.cachedAssertionFor(session, route.route.upstream);
    if (assertion === undefined) return undefined;
    return { method, url, route, view, identity: { session, assertion } };
  }

  /**
   * The fast route for the request, when fastify's router would send it to that route too: the
   * longest matching prefix proposes, the router (with the same constraints it derives) confirms.
   * A static route under a prefix (`/metrics` under `/`), a host-bound route, an encoded path the
   * router reads differently: all disagree, and the request is fastify's.
   */
  #routeOf(method: string, path: string, request: IncomingMessage): FastRoute | undefined {
    let route: FastRoute | undefined;
    for (const candidate of this.#routes) {
      const { prefix } = candidate;
      if (
        prefix === '' ||
        (path.startsWith(prefix) && (path.length === prefix.length || path[prefix.length] === '/'))
      ) {
        route = candidate;
        break;
      }
    }
    if (route === undefined) return undefined;
    // fastify's types leave out the null it returns when no route matches.
    const found = this.#options.app.findRoute({
      method,
      url: path,
      constraints: this.#options.hostsInUse
        ? { [HOST_CONSTRAINT]: hostConstraintStrategy.deriveConstraint(request, undefined) }
        : undefined,
    }) as { readonly params: unknown } | null;
    if (found === null) return undefined;
    const params = found.params as Record<string, string | undefined>;
    let count = 0;
    for (const _name in params) count += 1;
    // The route itself (`prefix`): no parameter. Under it (`prefix/*`): the rest as the wildcard.
    if (path.length === route.prefix.length) return count === 0 ? route : undefined;
    return count === 1 && params['*'] === path.slice(route.prefix.length + 1) ? route : undefined;
  }

  /**
   * A failure before the upstream's head: fastify answers it (see fastPathFailure), its duration
   * counted from the request's arrival. While the app closes, fastify would only answer a bare
   * 503 without counting it: the error is answered here then, as the error handler's JSON.
   */
  readonly #answerFailure = (
    client: ClientExchange,
    failure: AuthflowError,
    forwarded: ForwardRequest,
  ): void => {
    const request = client.request as FastPathRequest;
    if (this.#closing) {
      answerDirectly(client, failure, request[ASSIGNED_REQUEST_ID] ?? '');
      forwarded.observer?.answered(forwarded.method, failure.statusCode, client.startedAt);
      return;
    }
    request[FAILURE] = failure;
    request[REQUEST_ARRIVED_AT] = client.startedAt;
    this.#options.handOn(client.request, client.response);
  };
}

/** The error handler's JSON answer, written on the raw response (the app is closing). */
function answerDirectly(client: ClientExchange, failure: AuthflowError, requestId: string): void {
  const body = JSON.stringify(errorBody(failure.code, failure.message, requestId, failure.details));
  client.response.writeHead(failure.statusCode, {
    ...failure.headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'x-authflow-error': failure.code,
    connection: 'close',
  });
  client.response.end(body);
}

/** The request histogram's children for one route, bound once per method and status. */
class RouteObserver implements ExchangeObserver {
  readonly #histogram: Histogram<'route' | 'method' | 'status_code'>;
  readonly #route: string;
  readonly #children = new Map<string, { observe(value: number): void }>();

  constructor(histogram: Histogram<'route' | 'method' | 'status_code'>, route: string) {
    this.#histogram = histogram;
    this.#route = route;
  }

  answered(method: string, statusCode: number, startedAt: number): void {
    const key = `${method} ${statusCode}`;
    let child = this.#children.get(key);
    if (child === undefined) {
      child = this.#histogram.labels({
        route: this.#route,
        method,
        status_code: String(statusCode),
      });
      this.#children.set(key, child);
    }
    child.observe((performance.now() - startedAt) / 1_000);
  }
}
