// Gathers fingerprint facts from request headers, the same way in auth and gateway.
import type { FingerprintInput } from './compute-fingerprint.js';

export type HeaderBag = Readonly<Record<string, string | string[] | undefined>>;

/** The first value of a header (Node joins most repeats, but not every one). */
function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * `ip` must be the client IP as derived behind trusted proxies (fastify `request.ip` with
 * `trustProxy` limited to the configured proxies), never a raw `x-forwarded-for`.
 */
export function fingerprintInputFromHeaders(
  headers: HeaderBag,
  ip: string | undefined,
): FingerprintInput {
  return {
    userAgent: first(headers['user-agent']),
    acceptLanguage: first(headers['accept-language']),
    secChUaPlatform: first(headers['sec-ch-ua-platform']),
    secChUaMobile: first(headers['sec-ch-ua-mobile']),
    ip,
  };
}
