// Checks between routes of a routes file: upstreams and roles that exist, and no two routes that
// could both claim a request (the router would pick one silently; here it is a problem at start).
import { hostSetsOverlap } from './hosts.js';
import type { RouteConfig } from './routes-file.js';

export interface CheckedRoute {
  /** Its position in the file, for the problem's path. */
  readonly index: number;
  readonly route: RouteConfig;
}

export interface CrossRouteInput {
  /** The file's `roles:`; `undefined` when it declares none. */
  readonly declaredRoles: ReadonlySet<string> | undefined;
  /** The names of the file's upstreams; `undefined` when it has no `upstreams` to check against. */
  readonly upstreams: ReadonlySet<string> | undefined;
  /** Every route that is valid on its own. */
  readonly routes: readonly CheckedRoute[];
}

export interface RouteProblem {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** Fields whose difference makes two routes' handling of the same request differ. */
const POLICY_FIELDS = ['access', 'upstream', 'allow', 'methods', 'aal', 'emailVerified'] as const;

export function crossRouteProblems(input: CrossRouteInput): RouteProblem[] {
  const problems: RouteProblem[] = [];
  for (const { index, route } of input.routes) {
    if ('redirect' in route) continue;
    if (input.upstreams !== undefined && !input.upstreams.has(route.upstream))
      problems.push({
        path: ['routes', index, 'upstream'],
        message: `unknown upstream ${route.upstream}`,
      });
    route.allow?.roles.forEach((role, roleIndex) => {
      if (input.declaredRoles?.has(role) !== true)
        problems.push({
          path: ['routes', index, 'allow', 'roles', roleIndex],
          message: `role ${role} is not declared (list every role once in \`roles:\` at the top of the file)`,
        });
    });
  }
  problems.push(...overlapProblems(input.routes));
  return problems;
}

const pathOf = (route: RouteConfig): string => ('redirect' in route ? route.path : route.prefix);

/** `/app/` and `/app` cover the same paths, so they are the same place to the router. */
const placeOf = (route: RouteConfig): string => {
  const path = pathOf(route);
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
};

const hostsOf = (route: RouteConfig): readonly string[] | undefined =>
  'redirect' in route ? undefined : route.hosts;

/**
 * Two routes at the same prefix whose hosts overlap: one of them would never be reached, and
 * which one depends on the router, not on the file. Routes at one prefix must list disjoint hosts.
 */
function overlapProblems(routes: readonly CheckedRoute[]): RouteProblem[] {
  const problems: RouteProblem[] = [];
  routes.forEach((later, position) => {
    for (const earlier of routes.slice(0, position)) {
      if (placeOf(earlier.route) !== placeOf(later.route)) continue;
      const shared = hostSetsOverlap(hostsOf(earlier.route), hostsOf(later.route));
      if (shared === undefined) continue;
      const where = shared === 'every host' ? '' : ` on ${shared}`;
      problems.push({
        path: ['routes', later.index],
        message: `${pathOf(later.route)}${where} is also covered by routes.${earlier.index} (${differences(earlier.route, later.route)}); routes with the same prefix must list hosts that do not overlap`,
      });
      break;
    }
  });
  return problems;
}

function differences(a: RouteConfig, b: RouteConfig): string {
  if ('redirect' in a && 'redirect' in b) return 'listed twice';
  if ('redirect' in a || 'redirect' in b) return 'one redirects, the other proxies';
  const differing = POLICY_FIELDS.filter(
    (field) => JSON.stringify(a[field]) !== JSON.stringify(b[field]),
  );
  return differing.length === 0 ? 'listed twice' : `with a different ${differing.join(', ')}`;
}
