// Longest-prefix matching of a request against the routes file, as the router does it (used where
// the router cannot be: /verify and explain). A route with `hosts` matches only those hosts.
import { hostsCover } from './hosts.js';
import type { ProxyRoute } from './routes-file.js';

/** A prefix ending in `/` covers `/app` and `/app/...`; one without covers itself and `itself/...`. */
export function prefixCovers(prefix: string, path: string): boolean {
  if (prefix.endsWith('/')) return path.startsWith(prefix) || path === prefix.slice(0, -1);
  return path === prefix || path.startsWith(`${prefix}/`);
}

/**
 * The route for `path` on `host` (normalised, see `normalizeRequestHost`): the longest prefix
 * among the routes that serve the host. The routes file cannot hold two routes at one prefix for
 * one host (refused at start), so there is never a tie to break.
 */
export function matchRoute(
  routes: readonly ProxyRoute[],
  path: string,
  host: string,
): ProxyRoute | undefined {
  let best: ProxyRoute | undefined;
  for (const route of routes) {
    if (
      prefixCovers(route.prefix, path) &&
      hostsCover(route.hosts, host) &&
      (best === undefined || route.prefix.length > best.prefix.length)
    )
      best = route;
  }
  return best;
}
