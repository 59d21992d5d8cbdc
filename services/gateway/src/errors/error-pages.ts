// A browser navigation that fails with 429, 431, 502, 503 or 504 gets a page it can act on
// (retry guidance, the request id); every other client keeps the JSON envelope.
import {
  type AuthflowError,
  ERROR_PAGE_CSP,
  hasErrorPage,
  renderErrorPage,
} from '@authflow/errors';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { wantsRedirect } from '../verification/denial.js';

/**
 * The error handler's `render` hook. "Browser" is decided exactly as for denials (the route's
 * mode, then Sec-Fetch-Mode and Accept), so a client that would get JSON instead of a login
 * redirect gets JSON here too. The error's headers (Retry-After, x-authflow-error) are already
 * set by the error handler.
 */
export function renderBrowserErrorPage(
  request: FastifyRequest,
  reply: FastifyReply,
  error: AuthflowError,
): boolean {
  const status = error.statusCode;
  if (!hasErrorPage(status)) return false;
  const mode = request.routeOptions.config.authflowRoute?.mode ?? 'auto';
  if (!wantsRedirect(request, mode)) return false;
  const retryAfter = Object.entries(error.headers).find(
    ([name]) => name.toLowerCase() === 'retry-after',
  )?.[1];
  void reply
    .code(status)
    .header('cache-control', 'no-store')
    .header('content-security-policy', ERROR_PAGE_CSP)
    .type('text/html; charset=utf-8')
    .send(
      renderErrorPage({
        status,
        code: error.code,
        requestId: request.id,
        retryAfterSeconds:
          retryAfter !== undefined && /^\d+$/u.test(retryAfter) ? Number(retryAfter) : undefined,
      }),
    );
  return true;
}
