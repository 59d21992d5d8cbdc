// The routes file: upstreams and routes as data (YAML or JSON), validated at start.
import { type DeepReadonly, interpolateEnv } from '@authflow/config';
import { isSafeRedirectPath } from '@authflow/handoff';
import { z } from 'zod';
import { type CheckedRoute, crossRouteProblems } from './route-checks.js';
import {
  allowSchema,
  emailVerifiedSchema,
  hostsSchema,
  methodsSchema,
  roleNameSchema,
} from './route-policy-fields.js';

const upstreamName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,62}$/u, 'lower-case letters, digits and dashes');

const breakerSchema = z.strictObject({
  errorThresholdPercentage: z.number().int().min(1).max(100).default(50),
  resetTimeoutMs: z.number().int().min(100).default(5_000),
  volumeThreshold: z.number().int().min(1).default(10),
  /** Whether a 5xx the upstream answers itself counts as its failure (it is still passed on). */
  countServerErrors: z.boolean().default(true),
});

const upstreamSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/u }).transform((url) => url.replace(/\/+$/u, '')),
  /** Keep-alive connections in this upstream's pool. */
  connections: z.number().int().min(1).max(4_096).default(128),
  connectTimeoutMs: z.number().int().min(10).default(2_000),
  /**
   * Deadline from the moment the gateway starts forwarding (waiting for a pooled connection
   * included) to the response headers, and the longest pause between body chunks, before a 504.
   */
  timeoutMs: z.number().int().min(10).default(30_000),
  /**
   * Requests that may wait for a pooled connection when all `connections` are busy; more are
   * refused at once with 503 (default: twice `connections`).
   */
  maxQueued: z.number().int().min(0).max(100_000).optional(),
  breaker: breakerSchema.default({
    errorThresholdPercentage: 50,
    resetTimeoutMs: 5_000,
    volumeThreshold: 10,
    countServerErrors: true,
  }),
});

const prefix = z
  .string()
  .regex(/^\/[A-Za-z0-9._~!$&'()*+,;=:@/-]*$/u, 'a path starting with /')
  .refine((value) => !value.includes('//') && !/\/\.\.?(?:\/|$)/u.test(value), 'a normalised path');

/** Policy fields about the session, meaningless where no session is looked at. */
const SESSION_FIELDS = ['aal', 'allow', 'emailVerified'] as const;

const proxyRouteSchema = z
  .strictObject({
    prefix,
    upstream: upstreamName,
    /**
     * `public`: no session looked at. `protected`: a verified session or a denial. `optional`: a
     * session cookie, when present, is verified as on a protected route and the identity attached
     * if it holds; otherwise the request passes without identity.
     */
    access: z.enum(['public', 'optional', 'protected']),
    /** How denials render: `browser` redirects to login, `api` answers 401 JSON, `auto` decides per request. */
    mode: z.enum(['browser', 'api', 'auto']).default('auto'),
    websocket: z.boolean().default(false),
    timeoutMs: z.number().int().min(10).optional(),
    /**
     * Largest request body forwarded (bytes): a larger declared Content-Length is refused with 413
     * before the upstream is contacted, a streamed body is cut off there. Default and ceiling:
     * GATEWAY_MAX_BODY_BYTES.
     */
    maxBodyBytes: z.number().int().min(0).optional(),
    /**
     * Lowest assurance level a session must have here (protected and optional routes): `aal1`
     * (the default) any signed-in session, `aal2` one that presented a second factor. A session
     * short of it is sent to the second-factor challenge (browsers) or answered 403 mfa_required.
     */
    aal: z.enum(['aal1', 'aal2']).optional(),
    /** Roles a session needs here (declared in the file's `roles:`): any one, or all. */
    allow: allowSchema.optional(),
    /** The only methods that pass; others are refused 403 forbidden (on every access mode). */
    methods: methodsSchema.optional(),
    /** The only hosts this route serves (Host header); without it, every host. */
    hosts: hostsSchema.optional(),
    /** The session's address must have been proven. */
    emailVerified: emailVerifiedSchema.optional(),
  })
  .superRefine((route, context) => {
    if (route.access !== 'public') return;
    for (const field of SESSION_FIELDS) {
      if (route[field] !== undefined)
        context.addIssue({
          code: 'custom',
          path: [field],
          message: `applies to protected and optional routes only: a public route never looks at the session (remove ${field}, or make the route protected)`,
        });
    }
  });

/**
 * Fields that are gone, with what to write instead: a routes file that still has one is refused
 * with this message rather than zod's bare "unrecognized key".
 */
const REMOVED_ROUTE_FIELDS: Readonly<Record<string, string>> = {
  passSessionCookie:
    'was removed (issue 14): the session cookie is never forwarded to an upstream; use `access: optional` to tell the upstream who is calling (a signed x-authflow-assertion)',
};

const redirectRouteSchema = z.strictObject({
  path: prefix,
  redirect: z.string().refine(isSafeRedirectPath, 'a same-origin path'),
});

export type ProxyRoute = DeepReadonly<z.output<typeof proxyRouteSchema>>;
export type RedirectRoute = DeepReadonly<z.output<typeof redirectRouteSchema>>;

/**
 * A route is a redirect when it has `redirect`, otherwise a proxy route; choosing the schema by
 * shape gives messages about the field that is wrong instead of zod's "invalid union".
 */
const routeSchema = z.unknown().transform((value, context): ProxyRoute | RedirectRoute => {
  const fields = withoutRemovedFields(value, context);
  const schema =
    fields !== null && typeof fields === 'object' && 'redirect' in fields
      ? redirectRouteSchema
      : proxyRouteSchema;
  const parsed = schema.safeParse(fields);
  if (parsed.success && fields === value) return parsed.data;
  for (const issue of parsed.error?.issues ?? [])
    context.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  return z.NEVER;
});

/** The route without its removed fields, each reported with what to use instead. */
function withoutRemovedFields(value: unknown, context: z.RefinementCtx): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const removed = Object.keys(value).filter((key) => Object.hasOwn(REMOVED_ROUTE_FIELDS, key));
  if (removed.length === 0) return value;
  for (const key of removed)
    context.addIssue({ code: 'custom', path: [key], message: REMOVED_ROUTE_FIELDS[key] ?? '' });
  return Object.fromEntries(Object.entries(value).filter(([key]) => !removed.includes(key)));
}

export const routesFileSchema = z.strictObject({
  /** Every role a route's `allow` may name; a role not declared here is a problem at start. */
  roles: z.array(roleNameSchema).optional(),
  upstreams: z.record(upstreamName, upstreamSchema),
  routes: z.array(routeSchema).min(1),
});

export type RoutesFile = z.output<typeof routesFileSchema>;
export type UpstreamConfig = RoutesFile['upstreams'][string];
export type RouteConfig = ProxyRoute | RedirectRoute;

export function isProxyRoute<
  Route extends { readonly upstream: string } | { readonly redirect: string },
>(route: Route): route is Extract<Route, { readonly upstream: string }> {
  return 'upstream' in route;
}

/**
 * Validates a routes file (already read) and returns every problem found: those of each field,
 * and those between routes (unknown upstream or role, routes that overlap), checked over every
 * route that is valid on its own, so one mistake never hides another.
 */
export function parseRoutes(
  raw: unknown,
  env: Readonly<Record<string, string | undefined>>,
  source = 'routes',
): { ok: true; routes: RoutesFile } | { ok: false; problems: string[] } {
  const missing: string[] = [];
  const interpolated = interpolateEnv(raw, env, missing);
  const problems = missing.map((name) => `${source}: \${${name}} is used but not set`);
  const describe = (path: readonly PropertyKey[], message: string): string =>
    `${source}: ${path.map(String).join('.') || 'file'}: ${message}`;
  const parsed = routesFileSchema.safeParse(interpolated);
  for (const issue of parsed.error?.issues ?? [])
    problems.push(describe(issue.path, issue.message));
  for (const problem of crossRouteProblems(checkableParts(interpolated)))
    problems.push(describe(problem.path, problem.message));
  return parsed.success && problems.length === 0
    ? { ok: true, routes: parsed.data }
    : { ok: false, problems };
}

/** The parts of a file the checks between routes can use: each valid on its own. */
function checkableParts(file: unknown): Parameters<typeof crossRouteProblems>[0] {
  const fields = (file !== null && typeof file === 'object' ? file : {}) as Record<string, unknown>;
  const { roles, upstreams, routes } = fields;
  const declared = Array.isArray(roles)
    ? new Set(roles.filter((role) => roleNameSchema.safeParse(role).success) as string[])
    : undefined;
  const routeList: CheckedRoute[] = [];
  if (Array.isArray(routes)) {
    routes.forEach((route: unknown, index) => {
      const parsed = routeSchema.safeParse(route);
      if (parsed.success) routeList.push({ index, route: parsed.data });
    });
  }
  return {
    declaredRoles: declared,
    upstreams:
      upstreams !== null && typeof upstreams === 'object'
        ? new Set(Object.keys(upstreams))
        : undefined,
    routes: routeList,
  };
}
