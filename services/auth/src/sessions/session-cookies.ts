// Sets and clears the session cookie exactly as DESIGN.md §5 says.
import {
  expiredSessionCookie,
  sessionCookieAttributes,
  sessionCookieName,
} from '@authflow/sessions';
import type { FastifyReply } from 'fastify';

export interface SessionCookies {
  readonly name: string;
  set(reply: FastifyReply, token: string): void;
  expire(reply: FastifyReply): void;
}

/** `HttpOnly; SameSite=Lax; Path=/` (+ `Secure` and the `__Host-` name in secure mode); no Domain, no Max-Age. */
export function sessionCookies(secure: boolean): SessionCookies {
  const name = sessionCookieName(secure);
  const attributes = sessionCookieAttributes(secure);
  return {
    name,
    set: (reply, token) => void reply.setCookie(name, token, attributes),
    expire: (reply) => void reply.header('set-cookie', expiredSessionCookie(secure)),
  };
}
