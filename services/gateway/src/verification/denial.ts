// Renders a denial as the client can use it: a redirect (login, challenge) for browsers, else JSON.
import { ERROR_PAGE_CSP } from '@authflow/errors';
import { loginRedirect, logoutRedirect, mfaRedirect } from '@authflow/handoff';
import type { DenialReason } from '@authflow/sessions';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { renderForbiddenPage } from '../errors/forbidden-page.js';
import { gatewayErrors } from '../errors/gateway-errors.js';
import type { PolicyDecision } from './route-policy.js';

export type RouteMode = 'browser' | 'api' | 'auto';

export interface DenialSettings {
  readonly cookieSecure: boolean;
  readonly loginPath: string;
  /** The second-factor challenge page (step-up). */
  readonly mfaPath: string;
  /** The sign-out page, linked from the 403 page ("sign in as someone else"). */
  readonly logoutPath: string;
  readonly handoffSecret: string;
  readonly retryAfterSeconds: number;
}

/** Where to send someone to sign in and come back to `returnTo` (a signed, 5-minute handoff). */
export function loginUrl(settings: DenialSettings, returnTo: string): string {
  return loginRedirect(returnTo, settings.handoffSecret, { loginPath: settings.loginPath });
}

/** Where to send a signed-in browser for a second factor, and back to `returnTo` after it. */
export function mfaUrl(settings: DenialSettings, returnTo: string): string {
  return mfaRedirect(returnTo, settings.handoffSecret, { mfaPath: settings.mfaPath });
}

/** Sign out, then sign in (as someone else) and come back to `returnTo`. */
export function switchAccountUrl(settings: DenialSettings, returnTo: string): string {
  return logoutRedirect(returnTo, settings.handoffSecret, { logoutPath: settings.logoutPath });
}

/**
 * A browser navigation gets a redirect; anything else (fetch, XHR, WebSocket handshakes, API
 * clients) an answer it can read. Sec-Fetch-Mode decides when the browser sends it; otherwise
 * Accept does, and a client that prefers JSON never gets a 302.
 */
export function wantsRedirect(request: FastifyRequest, mode: RouteMode): boolean {
  if (mode === 'api' || (request.method !== 'GET' && request.method !== 'HEAD')) return false;
  // A WebSocket handshake is never a navigation, whatever it accepts (browsers send
  // Sec-Fetch-Mode: websocket; other clients often send nothing to go by).
  if (request.headers.upgrade !== undefined) return false;
  const fetchMode = request.headers['sec-fetch-mode'];
  if (typeof fetchMode === 'string') return fetchMode === 'navigate';
  if (request.headers['x-requested-with'] === 'XMLHttpRequest') return false;
  const accept = request.headers.accept ?? '*/*';
  const html = quality(accept, ['text/html', 'text/*', '*/*']);
  const json = quality(accept, ['application/json', 'application/*', '*/*'], true);
  if (json > html) return false;
  return mode === 'browser' ? html > 0 || accept === '' : html > 0;
}

/** The highest q the Accept header gives any of `ranges` (exact JSON matches beat wildcards). */
function quality(accept: string, ranges: readonly string[], jsonSuffix = false): number {
  let best = 0;
  for (const part of accept.split(',')) {
    const [rangePart = '', ...params] = part.split(';');
    const range = rangePart.trim().toLowerCase();
    const matches = ranges.includes(range) || (jsonSuffix && range.endsWith('+json'));
    if (!matches) continue;
    const q = params.map((param) => param.trim()).find((param) => param.startsWith('q='));
    const value = q === undefined ? 1 : Number(q.slice(2));
    // A wildcard counts a little less than a named type, so `*/*` alone does not favour JSON.
    const weight = range.includes('*') ? value - 0.0001 : value;
    if (Number.isFinite(weight) && weight > best) best = weight;
  }
  return best;
}

/**
 * No good session: a browser navigation is sent to sign in, anything else gets 401 JSON with the
 * login URL. (The caller expires a cookie that names no live session.)
 */
export function sendDenial(
  request: FastifyRequest,
  reply: FastifyReply,
  reason: DenialReason,
  mode: RouteMode,
  settings: DenialSettings,
): FastifyReply {
  const login = loginUrl(settings, request.url);
  if (wantsRedirect(request, mode)) {
    return reply.header('x-authflow-error', reason).redirect(login, 302);
  }
  throw gatewayErrors.create(reason, { details: { login_url: login } });
}

/**
 * A request the route's policy refuses. A session, if any, is fine, so its cookie is kept.
 * `forbidden`: a browser navigation gets a page saying so, with a link to sign in as someone else
 * (a link: a redirect could only loop); anything else 403 JSON. Short only of a second factor: a
 * browser navigation is sent to the challenge, which brings it back here; anything else (API,
 * fetch, WebSocket upgrade) gets 403 mfa_required naming it. `unauthenticated` (no session on a
 * protected route) is answered as any missing session is.
 */
export function sendPolicyDenial(
  request: FastifyRequest,
  reply: FastifyReply,
  decision: Extract<PolicyDecision, { kind: 'deny' }>,
  mode: RouteMode,
  settings: DenialSettings,
  email?: string,
): FastifyReply {
  if (decision.code === 'unauthenticated')
    return sendDenial(request, reply, 'unauthenticated', mode, settings);
  if (decision.code === 'forbidden') {
    if (!wantsRedirect(request, mode)) throw gatewayErrors.create('forbidden');
    return reply
      .code(403)
      .header('x-authflow-error', 'forbidden')
      .header('cache-control', 'no-store')
      .header('content-security-policy', ERROR_PAGE_CSP)
      .type('text/html; charset=utf-8')
      .send(
        renderForbiddenPage({
          requestId: request.id,
          email,
          switchAccountUrl: switchAccountUrl(settings, request.url),
        }),
      );
  }
  const challenge = mfaUrl(settings, request.url);
  if (wantsRedirect(request, mode)) {
    return reply
      .header('x-authflow-error', decision.code)
      .header('cache-control', 'no-store')
      .redirect(challenge, 302);
  }
  throw gatewayErrors.create(decision.code, { details: { mfa_url: challenge } });
}

/** Store unavailable: fail closed, keep the cookie, tell the client when to retry. */
export function sendUnavailable(
  request: FastifyRequest,
  reply: FastifyReply,
  mode: RouteMode,
  settings: DenialSettings,
): FastifyReply {
  const retryAfter = String(settings.retryAfterSeconds);
  if (wantsRedirect(request, mode)) {
    return reply
      .code(503)
      .header('retry-after', retryAfter)
      .header('x-authflow-error', 'session_store_unavailable')
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(retryPage(settings.retryAfterSeconds));
  }
  throw gatewayErrors.create('session_store_unavailable', {
    headers: { 'retry-after': retryAfter },
  });
}

function retryPage(seconds: number): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="${seconds}"><title>Back in a moment</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:15vh auto;padding:0 1rem;color:#1f2937}</style>
</head><body><main><h1>Back in a moment</h1>
<p>We cannot check your session right now. You are still signed in; this page will try again in ${seconds} seconds.</p>
</main></body></html>`;
}
