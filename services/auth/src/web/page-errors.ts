// How a failure looks on a page. Errors are mapped to registry codes once (mapAuthError, by the
// error handler); this module only draws them: the error page for any page route, and the words
// a form shows next to its fields.
import type { AuthflowError } from '@authflow/errors';
import { signHandoff } from '@authflow/handoff';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Branding } from '../branding.js';
import { authErrors } from '../errors/auth-errors.js';
import { mapAuthError } from '../errors/identity-errors.js';
import { type FieldErrors, renderErrorPage } from '../pages/index.js';
import { pageContext, sendPage } from './page-reply.js';

/** Set on every route of the page context: its errors are drawn as pages of this brand. */
export interface PageRouteConfig {
  readonly branding: Branding;
  /** Signs the way back from the second-factor challenge (a sensitive action needs one). */
  readonly handoffSecret?: string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    authPage?: PageRouteConfig;
  }
}

/**
 * The error handler's `render` hook: a failure on a page route (a CSRF refusal, an outage, a bug)
 * is an HTML page with the error's status; everything else keeps the JSON envelope. The error's
 * own headers (Retry-After) are already set by the error handler.
 */
export function renderPageError(
  request: FastifyRequest,
  reply: FastifyReply,
  failure: AuthflowError,
): boolean {
  const page = request.routeOptions.config.authPage;
  if (page === undefined) return false;
  if (failure.code === 'mfa_required' && page.handoffSecret !== undefined) {
    // A sensitive action without a recent second factor: ask for it, then come back here.
    const back =
      request.url.startsWith('/auth/security') || request.url.startsWith('/auth/sso/')
        ? '/auth/security'
        : '/auth/account';
    void reply.redirect(
      `/auth/mfa?next=${encodeURIComponent(signHandoff(back, page.handoffSecret))}`,
      303,
    );
    return true;
  }
  sendPage(
    reply.header('x-authflow-error', failure.code),
    renderErrorPage(pageContext(reply, page.branding), {
      status: failure.statusCode,
      title: titleFor(failure),
      message: messageFor(failure),
    }),
    failure.statusCode,
  );
  return true;
}

/**
 * A flow's refusal as the registry error a form shows again with the form. Anything that is not
 * a known refusal (a bug) goes on to the error handler, which logs it and draws the error page.
 */
export function refusalOf(error: unknown): AuthflowError {
  const refusal = mapAuthError(error);
  if (refusal === undefined) throw error;
  return refusal;
}

/** The words a form shows for a refusal, next to the field it is about. */
export function fieldErrorsOf(error: AuthflowError): FieldErrors {
  // The message says why the password was refused and what to do instead, in plain words.
  if (error.code === 'weak_password') return { password: error.message };
  if (error.code === 'validation_failed') return { email: 'Enter a valid email address.' };
  if (error.code === 'invalid_token')
    return { form: 'This link is invalid or has expired. Ask for a new one.' };
  return { form: error.message };
}

function messageFor(error: AuthflowError): string {
  if (error.code === 'csrf_failed')
    return 'This form expired or did not come from this site. Go back, reload the page and try again.';
  // Fastify's own wording for a malformed request is for developers, not for a page.
  if (error.code === 'bad_request') return authErrors.definitions.bad_request.message;
  return error.message;
}

function isDependencyOutage(error: AuthflowError): boolean {
  return error.statusCode === 502 || error.statusCode === 503 || error.statusCode === 504;
}

function titleFor(error: AuthflowError): string {
  if (error.statusCode === 401) return 'Sign in again';
  if (error.statusCode === 403) return 'Request refused';
  if (error.statusCode === 429) return 'Too many attempts';
  if (isDependencyOutage(error)) return 'Temporarily unavailable';
  if (error.statusCode >= 500) return 'Something went wrong';
  return 'Request not valid';
}
