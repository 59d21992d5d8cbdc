// Longest-prefix matching of a path against the routes file (used where the router cannot be).
import type { ProxyRoute } from './routes-file.js';

/** A prefix ending in `/` covers `/app` and `/app/...`; one without covers itself and `itself/...`. */
export function prefixCovers(prefix: string, path: string): boolean {
  if (prefix.endsWith('/')) return path.startsWith(prefix) || path === prefix.slice(0, -1);
  return path === prefix || path.startsWith(`${prefix}/`);
}

export function matchRoute(routes: readonly ProxyRoute[], path: string): ProxyRoute | undefined {
  let best: ProxyRoute | undefined;
  for (const route of routes) {
    if (
      prefixCovers(route.prefix, path) &&
      (best === undefined || route.prefix.length > best.prefix.length)
    )
      best = route;
  }
  return best;
}
