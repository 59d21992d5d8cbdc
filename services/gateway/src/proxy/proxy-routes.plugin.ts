// Routes as data: every route of the routes file becomes two plain routes (its prefix and
// everything under it) forwarding over undici, plus, for a WebSocket route, an @fastify/http-proxy
// registration that only upgrades reach; in the public, optional or protected context (each with
// its hook: request rules, verification), constrained to its hosts when it lists any.
import httpProxy, { type FastifyHttpProxyOptions } from '@fastify/http-proxy';
import type { AuthflowError } from '@authflow/errors';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type WebSocket from 'ws';
import type { GatewayConfig } from '../config/load-config.js';
import { isProxyRoute, type ProxyRoute } from '../config/routes-file.js';
import type { TrustFunction } from '@authflow/proxy-trust';
import { HOST_CONSTRAINT, hostConstraintStrategy, hostsKey } from '../routing/host-constraint.js';
import { hasRequestRules, policyOf } from '../verification/route-policy.js';
import {
  enforceRequestRules,
  identifyOptionally,
  protectRoutes,
  type VerificationDependencies,
} from '../verification/verification.plugin.js';
import type { Readable } from 'node:stream';
import { bodyTooLarge, isDeclaredTooLarge, limitBody, routeBodyLimit } from './body-limit.js';
import type { ClientExchange, ForwardRequest } from './forward-http.js';
import { lingerAfterAnswer } from './lingering-close.js';
import {
  expiresCookie,
  type HeaderRewrite,
  type RequestView,
  upstreamHeaderList,
  upstreamHeaders,
} from './upstream-headers.js';
import { UPGRADE, UPGRADE_CONSTRAINT, upgradeConstraintStrategy } from './upgrade-constraint.js';
import { admit, type Upstream, upstreamSaturated } from './upstreams.js';
import { attemptExchange } from './proxy-attempt.js';
import type { FastLane } from './fast-path.js';
import type { WebSocketRegistry } from './websocket-registry.js';

export interface ProxyRoutesOptions {
  readonly routes: GatewayConfig['routes'];
  readonly upstreams: ReadonlyMap<string, Upstream>;
  readonly rewrite: HeaderRewrite;
  readonly trust: TrustFunction;
  readonly websockets: WebSocketRegistry;
  readonly maxBodyBytes: number;
  readonly verification: VerificationDependencies;
  /** Where proxied routes are also offered to the fast path (fast-path.ts), when it is on. */
  readonly fastLane?: FastLane | undefined;
}

/** Client headers a WebSocket upstream still needs (Origin for cross-site checks). */
const WEBSOCKET_FORWARDED = ['origin', 'user-agent', 'accept-language', 'cookie'];

/** The methods a proxied route answers (those @fastify/http-proxy registered). */
const PROXIED_METHODS = ['DELETE', 'GET', 'HEAD', 'PATCH', 'POST', 'PUT', 'OPTIONS'];

export async function proxyRoutes(
  app: FastifyInstance,
  options: ProxyRoutesOptions,
): Promise<void> {
  const proxies = options.routes.routes.filter(isProxyRoute);
  // The fast path never takes a prefix that a route bound to hosts shares: the router alone
  // tells those apart.
  const hostBound = new Set(
    proxies.filter((route) => route.hosts !== undefined).map((route) => prefixOf(route)),
  );
  const register = (scope: FastifyInstance, route: ProxyRoute) =>
    registerRoute(
      scope,
      route,
      options,
      hostBound.has(prefixOf(route)) ? undefined : options.fastLane,
    );
  // Routes with `hosts` are told apart by the router itself (before any route is added).
  app.addConstraintStrategy(hostConstraintStrategy);
  // Upgrades are told apart the same way, when a route proxies WebSockets.
  if (proxies.some((route) => route.websocket))
    app.addConstraintStrategy(upgradeConstraintStrategy);
  await app.register(async (publicScope) => {
    acceptAnyBody(publicScope, options.maxBodyBytes);
    const publicRoutes = proxies.filter(({ access }) => access === 'public');
    // Public routes look at no session; only methods and hosts can refuse there.
    if (publicRoutes.some((route) => hasRequestRules(policyOf(route))))
      enforceRequestRules(publicScope, options.verification);
    for (const route of publicRoutes) await register(publicScope, route);
  });
  await app.register(async (optionalScope) => {
    acceptAnyBody(optionalScope, options.maxBodyBytes);
    identifyOptionally(optionalScope, options.verification);
    for (const route of proxies.filter(({ access }) => access === 'optional'))
      await register(optionalScope, route);
  });
  await app.register(async (protectedScope) => {
    acceptAnyBody(protectedScope, options.maxBodyBytes);
    protectRoutes(protectedScope, options.verification);
    for (const route of proxies.filter(({ access }) => access === 'protected'))
      await register(protectedScope, route);
  });
  for (const route of options.routes.routes) {
    if (!('redirect' in route)) continue;
    app.get(route.path, { config: { metricsRoute: route.path } }, (_request, reply) =>
      reply.redirect(route.redirect, 302),
    );
  }
}

/**
 * Bodies are streamed through untouched (no JSON parsing in the gateway), within the route's
 * limit: a declared length over it is refused before anything reaches the upstream, a streamed
 * body is cut off where it passes it.
 */
function acceptAnyBody(scope: FastifyInstance, maxBodyBytes: number): void {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', (request, payload, done) => {
    const limit = routeBodyLimit(request.routeOptions.config.authflowRoute, maxBodyBytes);
    if (isDeclaredTooLarge(payload, limit)) {
      done(bodyTooLarge(limit), undefined);
      return;
    }
    // The body is wanted: a client waiting on `Expect: 100-continue` is asked for it now.
    request.server.inviteBody(payload);
    done(null, limitBody(payload, limit));
  });
  // An answer sent before the client's body has fully arrived (413, a denial, a failure) leaves
  // the rest unread on the connection: it is closed once the answer is out, rather than kept
  // open reading a body nobody wants or waiting for one that never comes.
  scope.addHook('onSend', (request, reply, payload, done) => {
    if (!request.raw.complete) {
      reply.header('connection', 'close');
      lingerAfterAnswer(request.raw);
    }
    done(null, payload);
  });
}

/** A failure before the upstream's head, answered by fastify's error handler (page or JSON). */
function answerThroughFastify(client: ClientExchange, failure: AuthflowError): void {
  void client.reply?.send(failure);
}

/** A route's prefix without its trailing slash (`''` for `/`), as its routes are registered. */
function prefixOf(route: ProxyRoute): string {
  return route.prefix.endsWith('/') ? route.prefix.slice(0, -1) : route.prefix;
}

async function registerRoute(
  scope: FastifyInstance,
  route: ProxyRoute,
  options: ProxyRoutesOptions,
  /** Where the route is also offered to the fast path; absent when it may not take it. */
  fastLane: FastLane | undefined,
): Promise<void> {
  const upstream = options.upstreams.get(route.upstream);
  if (upstream === undefined)
    throw new Error(`route ${route.prefix}: unknown upstream ${route.upstream}`);
  const prefix = prefixOf(route);
  const viewOf = (request: FastifyRequest): RequestView => ({
    id: request.id,
    ip: request.ip,
    protocol: request.protocol,
    host: request.host,
    peerAddress: request.socket.remoteAddress,
    peerTrusted: options.trust(request.socket.remoteAddress),
  });
  const identityOf = (request: FastifyRequest) => request.authflowIdentity ?? undefined;
  const timeoutMs = route.timeoutMs ?? upstream.timeoutMs;
  const config = {
    authflowRoute: route,
    authflowPolicy: policyOf(route),
    metricsRoute: route.prefix,
  };
  const hostConstraints =
    route.hosts === undefined ? {} : { [HOST_CONSTRAINT]: hostsKey(route.hosts) };
  // An answer that expires the session cookie (auth at sign-out) ends the session here at once;
  // other instances learn it from the revocation message.
  const forgetIfEnded = (setCookie: string | string[], sessionId: string): void => {
    if (expiresCookie(setCookie, options.rewrite.cookieName))
      options.verification.verifier.forget(sessionId);
  };
  const forward = (request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const identity = identityOf(request);
    const headers = upstreamHeaderList(request.headers, viewOf(request), options.rewrite, {
      identity,
      host: upstream.host,
    });
    const forwarded: ForwardRequest = {
      method: request.method,
      // The path and query as received: the request guard already refused any path that is not
      // canonical (dot segments, doubled or encoded slashes), and the prefix is not rewritten.
      path: request.url,
      headers,
      body: request.body as Readable | undefined,
      timeoutMs,
      sessionId: identity?.session.id,
      onSetCookie: forgetIfEnded,
    };
    const lease = admit(upstream);
    if (lease === undefined) {
      // Refused before the breaker: the gateway's own load shedding is neither a call nor a
      // failure of the upstream.
      void reply.send(upstreamSaturated());
      return reply;
    }
    attemptExchange(
      { request: request.raw, response: reply.raw, reply, startedAt: 0 },
      upstream,
      forwarded,
      lease,
      answerThroughFastify,
    );
    return reply;
  };
  fastLane?.add({
    route,
    prefix,
    upstream,
    policy: config.authflowPolicy,
    timeoutMs,
    onSetCookie: forgetIfEnded,
  });
  // A plain route per prefix: @fastify/http-proxy's per-request destination work (three URL
  // parses, a second traversal check) is not needed for a prefix that is never rewritten.
  for (const url of prefix === '' ? ['/*'] : [prefix, `${prefix}/*`])
    scope.route({
      method: PROXIED_METHODS,
      url,
      config,
      constraints: hostConstraints,
      handler: forward,
    });
  if (!route.websocket) return;
  // Only upgrades reach this registration (the constraint): http-proxy's WebSocket proxy.
  await scope.register(httpProxy, {
    upstream: upstream.url,
    prefix,
    rewritePrefix: prefix,
    // http-proxy still registers reply-from (never used: plain requests go to the routes above);
    // handing it the pool keeps it from opening an agent of its own. It types the pool as undici 7.
    undici: upstream.pool as unknown as NonNullable<FastifyHttpProxyOptions['undici']>,
    proxyPayloads: false,
    disableRequestLogging: true,
    internalRewriteLocationHeader: false,
    retryMethods: [],
    config,
    constraints: { ...hostConstraints, [UPGRADE_CONSTRAINT]: UPGRADE },
    // An upgrade that http-proxy's listener did not mark as its own is forwarded as plain HTTP.
    handler: forward,
    websocket: true,
    wsClientOptions: {
      rewriteRequestHeaders: (_headers: Record<string, string>, request: FastifyRequest) =>
        upstreamHeaders(request.headers, viewOf(request), options.rewrite, {
          identity: identityOf(request),
          only: WEBSOCKET_FORWARDED,
        }),
    } as object,
    wsHooks: {
      onConnect: (_context: unknown, source: WebSocket) => options.websockets.attach(source),
      onDisconnect: (_context: unknown, source: WebSocket) => options.websockets.detach(source),
    },
  });
}
