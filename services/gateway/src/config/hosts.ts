// Host names in routes and requests: one normal form and one matcher, shared by the router, the
// route policy and explain, so no two of them can disagree about which host a request is for.

const LABEL = '[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?';
const HOST_NAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`, 'u');
const MAX_HOST_LENGTH = 253;

/** True for a host name as routes and requests use it: lower-case DNS labels, no port. */
export function isHostName(value: string): boolean {
  return value.length <= MAX_HOST_LENGTH && HOST_NAME.test(value);
}

/**
 * A `hosts:` entry of the routes file in normal form (lower-case, no trailing dot), or `undefined`
 * when it is not one: a host name (`example.com`) or a wildcard over its subdomains
 * (`*.example.com`: any host ending in `.example.com`, at any depth, but not `example.com`).
 */
export function normalizeHostPattern(value: string): string | undefined {
  const lower = value.toLowerCase().replace(/\.$/u, '');
  const name = lower.startsWith('*.') ? lower.slice(2) : lower;
  return isHostName(name) ? lower : undefined;
}

/**
 * The host a request is for, as routes see it: the Host header lower-cased, its port and a
 * trailing dot removed. `''` when there is none or it is not a host name (an IP literal in
 * brackets included): such a request matches only routes without `hosts`.
 */
export function normalizeRequestHost(header: string | undefined): string {
  if (header === undefined || header === '') return '';
  const lower = header.toLowerCase();
  const colon = lower.lastIndexOf(':');
  const withoutPort =
    colon !== -1 && /^\d{1,5}$/u.test(lower.slice(colon + 1)) ? lower.slice(0, colon) : lower;
  const name = withoutPort.endsWith('.') ? withoutPort.slice(0, -1) : withoutPort;
  return isHostName(name) ? name : '';
}

/** Whether one normalised pattern covers a normalised request host. */
export function hostMatches(pattern: string, host: string): boolean {
  if (host === '') return false;
  if (!pattern.startsWith('*.')) return host === pattern;
  const suffix = pattern.slice(1);
  return host.length > suffix.length && host.endsWith(suffix);
}

/** Whether a route's `hosts` cover the host; a route without `hosts` serves every host. */
export function hostsCover(hosts: readonly string[] | undefined, host: string): boolean {
  return hosts === undefined || hosts.some((pattern) => hostMatches(pattern, host));
}

/** A host both patterns would match, to name in a problem; `undefined` when there is none. */
function sharedHost(a: string, b: string): string | undefined {
  if (a === b) return a;
  const [wildA, wildB] = [a.startsWith('*.'), b.startsWith('*.')];
  if (!wildA && !wildB) return undefined;
  if (!wildA) return hostMatches(b, a) ? a : undefined;
  if (!wildB) return hostMatches(a, b) ? b : undefined;
  // Two wildcards overlap when one's domain lies within the other's (or they are the same).
  const [domainA, domainB] = [a.slice(2), b.slice(2)];
  if (domainA === domainB || domainA.endsWith(`.${domainB}`)) return a;
  if (domainB.endsWith(`.${domainA}`)) return b;
  return undefined;
}

/**
 * Where two routes' host sets meet (`undefined` when they are disjoint): `every host` when
 * neither lists hosts, else a pattern they share. Used to refuse ambiguous routes at start.
 */
export function hostSetsOverlap(
  a: readonly string[] | undefined,
  b: readonly string[] | undefined,
): string | undefined {
  if (a === undefined && b === undefined) return 'every host';
  if (a === undefined) return b?.[0];
  if (b === undefined) return a[0];
  for (const left of a) {
    for (const right of b) {
      const shared = sharedHost(left, right);
      if (shared !== undefined) return shared;
    }
  }
  return undefined;
}
