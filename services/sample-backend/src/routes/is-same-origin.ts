// Cross-site WebSocket hijacking guard: a browser's upgrade must come from a page of the host it addressed.
import type { IncomingHttpHeaders } from 'node:http';

/**
 * Browsers send `Origin` on every WebSocket handshake and pages cannot change it; the gateway
 * forwards it and puts the host the browser addressed in `x-forwarded-host` (its WebSocket
 * proxy connects to us under our own `Host`). Without a gateway in between, `Host` is that
 * host. No `Origin` means a client that is not a browser: nothing to guard against there.
 */
export function isSameOrigin(headers: IncomingHttpHeaders): boolean {
  const { origin } = headers;
  if (origin === undefined) return true;
  const forwardedHost = headers['x-forwarded-host'];
  const host = typeof forwardedHost === 'string' ? forwardedHost : headers.host;
  if (host === undefined || !URL.canParse(origin)) return false;
  const page = new URL(origin);
  if (page.protocol !== 'http:' && page.protocol !== 'https:') return false;
  // Parsed the same way as the origin, so default ports and letter case compare equal.
  const addressed = `${page.protocol}//${host}`;
  return URL.canParse(addressed) && new URL(addressed).host === page.host;
}
