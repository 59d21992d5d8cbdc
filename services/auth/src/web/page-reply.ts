// How every auth page is answered: its security headers, and the context each template needs.
import type { AuthflowError } from '@authflow/errors';
import type { FastifyReply } from 'fastify';
import type { Branding } from '../branding.js';
import type { PageContext } from '../pages/index.js';

/**
 * No scripts, styles only from our own stylesheet, no framing, no referrer (reset links carry a
 * token in the URL), and pages are never cached (they carry CSRF tokens).
 */
export const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'none'; style-src 'self'; img-src 'self' https: data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
} as const;

export function sendPage(reply: FastifyReply, markup: string, status = 200): FastifyReply {
  return reply.code(status).headers(PAGE_HEADERS).type('text/html; charset=utf-8').send(markup);
}

/** A fresh CSRF token per page: every form on it posts the token back. */
export function pageContext(reply: FastifyReply, branding: Branding): PageContext {
  return { branding, csrfToken: reply.generateCsrf() };
}

/**
 * A form drawn again with a refusal: the error's status, its headers (Retry-After on 429 and
 * 503) and its code, as the JSON answer would have them.
 */
export function sendRefusal(
  reply: FastifyReply,
  failure: AuthflowError,
  markup: string,
): FastifyReply {
  for (const [name, value] of Object.entries(failure.headers)) void reply.header(name, value);
  return sendPage(reply.header('x-authflow-error', failure.code), markup, failure.statusCode);
}
