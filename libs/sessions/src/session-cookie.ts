// The session cookie (DESIGN.md §5): its names, attributes, and fast read/strip on raw headers.
import { isWellFormedSessionToken, sessionIdFromToken } from './session-token.js';

/** Secure mode: the `__Host-` prefix makes browsers insist on Secure, Path=/ and no Domain. */
export const SECURE_SESSION_COOKIE = '__Host-authflow_session';
/** Plain-HTTP local development only (announced with a warning at boot). */
export const PLAIN_SESSION_COOKIE = 'authflow_session';

export function sessionCookieName(secure: boolean): string {
  return secure ? SECURE_SESSION_COOKIE : PLAIN_SESSION_COOKIE;
}

export interface SessionCookieAttributes {
  readonly path: '/';
  readonly httpOnly: true;
  readonly secure: boolean;
  readonly sameSite: 'lax';
}

/** `HttpOnly; SameSite=Lax; Path=/`, plus `Secure` in secure mode; never a `Domain`. */
export function sessionCookieAttributes(secure: boolean): SessionCookieAttributes {
  return { path: '/', httpOnly: true, secure, sameSite: 'lax' };
}

/** A `Set-Cookie` value that removes the session cookie. */
export function expiredSessionCookie(secure: boolean): string {
  return `${sessionCookieName(secure)}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}

/**
 * The value of cookie `name` in a `Cookie` header, without parsing the others (this runs on
 * every gateway request). When the cookie appears twice, the first wins, as in browsers'
 * ordering of the more specific path first.
 */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined || header.length === 0) return undefined;
  let start = 0;
  while (start < header.length) {
    let end = header.indexOf(';', start);
    if (end === -1) end = header.length;
    const equals = header.indexOf('=', start);
    if (equals !== -1 && equals < end && header.slice(start, equals).trim() === name) {
      return header.slice(equals + 1, end).trim();
    }
    start = end + 1;
  }
  return undefined;
}

/** The `Cookie` header without cookie `name` (or `undefined` when nothing is left). */
export function removeCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  const kept = header
    .split(';')
    .filter((pair) => {
      const equals = pair.indexOf('=');
      return (
        pair.trim() !== '' && (equals === -1 ? pair.trim() : pair.slice(0, equals).trim()) !== name
      );
    })
    .map((pair) => pair.trim());
  return kept.length === 0 ? undefined : kept.join('; ');
}

/**
 * The id of the session a `Cookie` header's session cookie names, when it holds a well-formed
 * token; otherwise `undefined`. Nothing is looked up and nothing is judged: this says which
 * session the bearer holds a token for, never whether it is good (the gateway alone decides
 * that). Auth uses it for one thing: a sign-out ends the session whose token it was shown.
 */
export function sessionIdFromCookieHeader(
  header: string | undefined,
  cookieName: string,
): string | undefined {
  const token = readCookie(header, cookieName);
  return token !== undefined && isWellFormedSessionToken(token)
    ? sessionIdFromToken(token)
    : undefined;
}
