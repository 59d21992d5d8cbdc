// Policy explain (issue 17 item 6): which route a request would match, which rule decides and
// why, and what the gateway would answer, without sending anything anywhere. Pure: the admin API
// and the CLI call it with a routes file they loaded and the facts they know of a user.
import { normalizeRequestHost } from '../config/hosts.js';
import { matchRoute } from '../config/match-route.js';
import { isProxyRoute, type ProxyRoute, type RouteConfig } from '../config/routes-file.js';
import { isCanonicalPath } from '../http/canonical-path.js';
import {
  decideAccess,
  type PolicyRequest,
  type PolicyRuleName,
  policyOf,
  type RouteAccess,
  type RoutePolicy,
  type SessionFacts,
} from '../verification/route-policy.js';
import { checksOf, type RuleCheck } from './rule-checks.js';

/** The request to explain: a method, a host (a Host header: port and case do not matter), a path. */
export interface ExplainRequest {
  readonly method: string;
  readonly host: string;
  /** A path, with or without a query (ignored, as the gateway ignores it for routing). */
  readonly path: string;
}

export type ExplainedRoute =
  | {
      readonly kind: 'proxy';
      /** Its position in the routes file (`routes.N` in start-time problems). */
      readonly index: number;
      readonly prefix: string;
      /** `null`: every host. */
      readonly hosts: readonly string[] | null;
      readonly access: RouteAccess;
      readonly mode: 'browser' | 'api' | 'auto';
      readonly upstream: string;
      readonly policy: RoutePolicy;
    }
  | {
      readonly kind: 'redirect';
      readonly index: number;
      readonly path: string;
      readonly redirect: string;
    };

export type ExplainedDecision =
  /** Public route: proxied, no session looked at. */
  | { readonly outcome: 'public' }
  /** Proxied; with identity (assertion) when a session passed, without on an optional route. */
  | { readonly outcome: 'allow'; readonly identity: boolean }
  /** Protected route and no session: 401, or a browser sent to sign in. */
  | { readonly outcome: 'login_required' }
  /** 403: `forbidden`, or `mfa_required` (a browser is sent to the second-factor challenge). */
  | { readonly outcome: 'deny'; readonly code: 'forbidden' | 'mfa_required' }
  | { readonly outcome: 'redirect'; readonly location: string }
  | { readonly outcome: 'not_found' }
  /** The path is not canonical (dot segments, doubled or encoded slashes): refused with 400. */
  | { readonly outcome: 'bad_request' };

export interface AccessExplanation {
  /** The request as the gateway sees it: method upper-case, host normalised, path without query. */
  readonly request: PolicyRequest;
  readonly route: ExplainedRoute | null;
  /** Every rule in the order the gateway applies them (empty without a proxy route). */
  readonly checks: readonly RuleCheck[];
  readonly decision: ExplainedDecision;
  /** The rule that decided a refusal; `route` for a redirect or no route; `null` when allowed. */
  readonly decidedBy: PolicyRuleName | 'route' | 'path' | null;
  /** What an API client would get from the gateway; `null` when the upstream answers. */
  readonly status: number | null;
  /** One sentence saying why. */
  readonly reason: string;
}

/**
 * Explains what the gateway would do with `request` for a holder of `session` (`null`: no
 * session). `routes` is a routes file as `loadRoutesFile` returns it (or the gateway's config).
 */
export function explainAccess(
  routes: { readonly routes: readonly RouteConfig[] },
  request: ExplainRequest,
  session: SessionFacts | null,
): AccessExplanation {
  const asked: PolicyRequest = {
    method: request.method.toUpperCase(),
    host: normalizeRequestHost(request.host),
    path: request.path.split('?', 1)[0] ?? '/',
  };
  if (!isCanonicalPath(asked.path)) {
    return {
      request: asked,
      route: null,
      checks: [],
      decision: { outcome: 'bad_request' },
      decidedBy: 'path',
      status: 400,
      reason: 'the path is not canonical (dot segments, doubled or encoded slashes): refused',
    };
  }
  const redirect = redirectFor(routes.routes, asked);
  if (redirect !== undefined) return redirect;
  const proxies = routes.routes.filter(isProxyRoute);
  const route = matchRoute(proxies, asked.path, asked.host);
  if (route === undefined) {
    return {
      request: asked,
      route: null,
      checks: [],
      decision: { outcome: 'not_found' },
      decidedBy: 'route',
      status: 404,
      reason: `no route serves ${asked.path} on ${asked.host === '' ? 'a request without a host name' : asked.host}`,
    };
  }
  return explainProxy(route, routes.routes.indexOf(route), asked, session);
}

/** A redirect route answers GET and HEAD on its exact path, before any prefix. */
function redirectFor(
  routes: readonly RouteConfig[],
  asked: PolicyRequest,
): AccessExplanation | undefined {
  if (asked.method !== 'GET' && asked.method !== 'HEAD') return undefined;
  const index = routes.findIndex((route) => 'redirect' in route && route.path === asked.path);
  const route = routes[index];
  if (route === undefined || !('redirect' in route)) return undefined;
  return {
    request: asked,
    route: { kind: 'redirect', index, path: route.path, redirect: route.redirect },
    checks: [],
    decision: { outcome: 'redirect', location: route.redirect },
    decidedBy: 'route',
    status: 302,
    reason: `${route.path} redirects to ${route.redirect}`,
  };
}

function explainProxy(
  route: ProxyRoute,
  index: number,
  asked: PolicyRequest,
  session: SessionFacts | null,
): AccessExplanation {
  const policy = policyOf(route);
  // A public route never looks at a session, whoever holds one.
  const looked = route.access === 'public' ? null : session;
  const checks = checksOf(route, policy, asked, looked);
  const decision = decideAccess({ session: looked, policy, request: asked });
  const explained: ExplainedRoute = {
    kind: 'proxy',
    index,
    prefix: route.prefix,
    hosts: route.hosts ?? null,
    access: route.access,
    mode: route.mode,
    upstream: route.upstream,
    policy,
  };
  const base = { request: asked, route: explained, checks };
  if (decision.kind === 'deny') {
    if (decision.code === 'unauthenticated')
      return {
        ...base,
        decision: { outcome: 'login_required' },
        decidedBy: decision.rule,
        status: 401,
        reason: decision.reason,
      };
    return {
      ...base,
      decision: { outcome: 'deny', code: decision.code },
      decidedBy: decision.rule,
      status: 403,
      reason: decision.reason,
    };
  }
  if (route.access === 'public')
    return {
      ...base,
      decision: { outcome: 'public' },
      decidedBy: null,
      status: null,
      reason: `public route ${route.prefix}: proxied to ${route.upstream}; no session is looked at`,
    };
  return {
    ...base,
    decision: { outcome: 'allow', identity: looked !== null },
    decidedBy: null,
    status: null,
    reason:
      looked === null
        ? `optional route ${route.prefix}: proxied to ${route.upstream} without identity`
        : `every rule holds: proxied to ${route.upstream} with the signed identity`,
  };
}
