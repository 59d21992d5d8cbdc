// Routes with `hosts` as a router constraint: the router itself picks the route for a request's
// host, with the same normal form and matcher as /verify and explain (config/hosts.ts), so the
// route that is proxied is the route whose policy was applied.
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { hostMatches, normalizeRequestHost } from '../config/hosts.js';

/** The constraint's name in route options (`constraints: { [HOST_CONSTRAINT]: hostsKey(...) }`). */
export const HOST_CONSTRAINT = 'authflowHost';

/**
 * A route's constraint value: its patterns after a marker no request host can contain (a space),
 * so the router's storage can tell a route's key from a request's host.
 */
const KEY_MARKER = 'hosts ';

export function hostsKey(hosts: readonly string[]): string {
  return `${KEY_MARKER}${hosts.join(' ')}`;
}

/**
 * find-my-way's storage for one route node: set with route keys when routes are added, then
 * asked with a request's host (any key whose patterns match it) or, while building, a key.
 */
function hostStorage() {
  const byKey = new Map<string, { readonly patterns: readonly string[]; value: unknown }>();
  return {
    get(value: string): unknown {
      if (value.startsWith(KEY_MARKER)) return byKey.get(value)?.value;
      let matched: number | undefined;
      for (const { patterns, value: handlers } of byKey.values()) {
        // Handlers are a bitmask of the node's routes; routes at one prefix have disjoint hosts,
        // so at most one key matches, but the union is the right answer either way.
        if (patterns.some((pattern) => hostMatches(pattern, value)))
          matched = (matched ?? 0) | (handlers as number);
      }
      return matched;
    },
    set(key: string, value: unknown): void {
      byKey.set(key, { patterns: key.slice(KEY_MARKER.length).split(' '), value });
    },
  };
}

/**
 * Added to the app before any route (`app.addConstraintStrategy`). A request without a usable
 * Host header derives nothing, so it matches only routes without `hosts`; routes without the
 * constraint match every host.
 */
type ConstraintStrategy = Parameters<FastifyInstance['addConstraintStrategy']>[0];

export const hostConstraintStrategy: ConstraintStrategy = {
  name: HOST_CONSTRAINT,
  mustMatchWhenDerived: false,
  // find-my-way's types say handlers; its storage holds bitmasks of a node's handlers.
  storage: hostStorage as unknown as ConstraintStrategy['storage'],
  deriveConstraint(request: IncomingMessage): string | undefined {
    const host = normalizeRequestHost(request.headers.host);
    return host === '' ? undefined : host;
  },
  validate(value: unknown): void {
    if (typeof value !== 'string' || !value.startsWith(KEY_MARKER))
      throw new Error(`${HOST_CONSTRAINT} takes hostsKey(hosts)`);
  },
};
