// The browser pages under /auth/: forms with CSRF tokens that post back here, then redirect.
import type { AuthflowError } from '@authflow/errors';
import { isAuthflowError } from '@authflow/errors';
import { signHandoff } from '@authflow/handoff';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { email, password, token } from '../api/schemas.js';
import type { Branding } from '../branding.js';
import type { AccountFlows } from '../flows/account-flows.js';
import {
  type FieldErrors,
  type PageContext,
  renderCheckEmailPage,
  renderEmailVerifiedPage,
  renderErrorPage,
  renderForgotPasswordPage,
  renderLoggedOutPage,
  renderLoginPage,
  renderLogoutPage,
  renderPasswordChangedPage,
  renderResetPasswordPage,
  renderResetRequestedPage,
  renderSessionsPage,
  renderSignupPage,
  renderStylesheet,
} from '../pages/index.js';
import { authErrors } from '../errors/auth-errors.js';
import { mapAuthError } from '../errors/identity-errors.js';
import { requireSameOrigin } from '../security/request-origin.js';
import type { SessionCookies } from '../sessions/session-cookies.js';

export interface PageRoutesOptions {
  readonly flows: AccountFlows;
  readonly cookies: SessionCookies;
  readonly branding: Branding;
  readonly allowedOrigins: readonly string[];
  readonly handoffSecret: string;
}

/**
 * No scripts, styles only from our own stylesheet, no framing, no referrer (reset links carry a
 * token in the URL), and pages are never cached (they carry CSRF tokens).
 */
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'none'; style-src 'self'; img-src 'self' https: data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
} as const;

const loginForm = z.object({
  email: z.string(),
  password: z.string(),
  next: z.string().max(4_096).optional(),
});
const emailForm = z.object({ email: z.string() });
const signupForm = z.object({
  email: z.string(),
  password: z.string(),
  next: z.string().max(4_096).optional(),
});
const resetForm = z.object({ token: z.string(), password: z.string() });
const revokeForm = z.object({ session_id: z.string().regex(/^[A-Za-z0-9_-]{43}$/u) });
const nextQuery = z.object({
  next: z.string().max(4_096).optional(),
  notice: z.string().optional(),
});

export function pageRoutes(
  app: FastifyInstance,
  options: PageRoutesOptions,
  done: () => void,
): void {
  const { flows, cookies, branding } = options;
  const stylesheet = renderStylesheet(branding);
  const contextFor = (reply: FastifyReply): PageContext => ({
    branding,
    csrfToken: reply.generateCsrf(),
  });
  const page = (reply: FastifyReply, html: string, status = 200): FastifyReply =>
    reply.code(status).headers(PAGE_HEADERS).type('text/html; charset=utf-8').send(html);
  /** Form posts: same origin and a valid CSRF token (the token check runs first, as a preHandler). */
  const formPost = {
    preHandler: [
      app.csrfProtection.bind(app),
      (request: FastifyRequest, _reply: FastifyReply, next: (error?: Error) => void) => {
        try {
          requireSameOrigin(request, options.allowedOrigins, cookies.name);
          next();
        } catch (error) {
          next(error as Error);
        }
      },
    ],
  };

  app.get('/auth/static/style.css', (_request, reply) =>
    reply
      .type('text/css; charset=utf-8')
      .header('cache-control', 'public, max-age=3600')
      .send(stylesheet),
  );

  app.get('/auth/login', (request, reply) => {
    const query = nextQuery.safeParse(request.query);
    const next = query.success ? query.data.next : undefined;
    const notice =
      query.success && query.data.notice === 'verified'
        ? 'Your email address is confirmed. Sign in.'
        : undefined;
    return page(reply, renderLoginPage(contextFor(reply), { next, notice }));
  });

  app.post('/auth/login', formPost, async (request, reply) => {
    const form = loginForm.safeParse(request.body);
    const next = form.success ? form.data.next : undefined;
    const typed = form.success ? form.data.email : '';
    if (
      !form.success ||
      !email.safeParse(form.data.email).success ||
      !password.safeParse(form.data.password).success
    ) {
      return page(
        reply,
        renderLoginPage(contextFor(reply), {
          next,
          email: typed,
          error: 'Enter your email address and password.',
        }),
        400,
      );
    }
    const outcome = await flows.signIn(form.data, request).catch(asPageError);
    if (isAuthflowError(outcome)) {
      return page(
        withErrorHeaders(reply, outcome),
        renderLoginPage(contextFor(reply), { next, email: typed, error: outcome.message }),
        outcome.statusCode,
      );
    }
    cookies.set(reply, outcome.token);
    return reply.redirect(outcome.redirectTo, 303);
  });

  app.get('/auth/signup', (request, reply) => {
    const query = nextQuery.safeParse(request.query);
    return page(
      reply,
      renderSignupPage(contextFor(reply), { next: query.success ? query.data.next : undefined }),
    );
  });

  app.post('/auth/signup', formPost, async (request, reply) => {
    const form = signupForm.safeParse(request.body);
    const typed = form.success ? form.data.email : '';
    const next = form.success ? form.data.next : undefined;
    if (
      !form.success ||
      !email.safeParse(form.data.email).success ||
      !password.safeParse(form.data.password).success
    ) {
      return page(
        reply,
        renderSignupPage(contextFor(reply), {
          email: typed,
          next,
          errors: { form: 'Enter an email address and a password.' },
        }),
        400,
      );
    }
    const failure = await flows.signUp(form.data, request).then(() => undefined, asPageError);
    if (failure !== undefined) {
      return page(
        withErrorHeaders(reply, failure),
        renderSignupPage(contextFor(reply), { email: typed, next, errors: fieldErrorsOf(failure) }),
        failure.statusCode,
      );
    }
    return page(reply, renderCheckEmailPage(contextFor(reply), { email: typed }));
  });

  app.get('/auth/forgot-password', (_request, reply) =>
    page(reply, renderForgotPasswordPage(contextFor(reply), {})),
  );

  app.post('/auth/forgot-password', formPost, async (request, reply) => {
    const form = emailForm.safeParse(request.body);
    if (!form.success || !email.safeParse(form.data.email).success) {
      return page(
        reply,
        renderForgotPasswordPage(contextFor(reply), {
          errors: { email: 'Enter your email address.' },
        }),
        400,
      );
    }
    const failure = await flows
      .requestPasswordReset(form.data.email, request)
      .then(() => undefined, asPageError);
    if (failure !== undefined) {
      return page(
        withErrorHeaders(reply, failure),
        renderForgotPasswordPage(contextFor(reply), {
          email: form.data.email,
          errors: fieldErrorsOf(failure),
        }),
        failure.statusCode,
      );
    }
    return page(reply, renderResetRequestedPage(contextFor(reply)));
  });

  app.get('/auth/reset-password', (request, reply) => {
    const query = z.object({ token }).safeParse(request.query);
    if (!query.success) {
      return page(
        reply.header('x-authflow-error', 'validation_failed'),
        renderErrorPage(contextFor(reply), {
          status: 400,
          title: 'Link invalid or incomplete',
          message:
            'This password reset link is missing its code or was cut short. Copy the whole link from the mail, or ask for a new one.',
        }),
        400,
      );
    }
    return page(reply, renderResetPasswordPage(contextFor(reply), { token: query.data.token }));
  });

  app.post('/auth/reset-password', formPost, async (request, reply) => {
    const form = resetForm.safeParse(request.body);
    const resetToken = form.success ? form.data.token : '';
    if (
      !form.success ||
      !token.safeParse(form.data.token).success ||
      !password.safeParse(form.data.password).success
    ) {
      return page(
        reply,
        renderResetPasswordPage(contextFor(reply), {
          token: resetToken,
          errors: { password: 'Enter a new password.' },
        }),
        400,
      );
    }
    const failure = await flows
      .resetPassword(form.data, request)
      .then(() => undefined, asPageError);
    if (failure !== undefined) {
      return page(
        withErrorHeaders(reply, failure),
        renderResetPasswordPage(contextFor(reply), {
          token: resetToken,
          errors: fieldErrorsOf(failure),
        }),
        failure.statusCode,
      );
    }
    cookies.expire(reply);
    return page(reply, renderPasswordChangedPage(contextFor(reply)));
  });

  app.get('/auth/email-verified', (request, reply) => {
    const ok = (request.query as { status?: unknown }).status === 'ok';
    return page(reply, renderEmailVerifiedPage(contextFor(reply), { ok }), ok ? 200 : 400);
  });

  app.post('/auth/logout', formPost, async (request, reply) => {
    await flows.logout(request);
    cookies.expire(reply);
    return reply.redirect('/auth/logged-out', 303);
  });

  app.get('/auth/logged-out', (_request, reply) =>
    page(reply, renderLoggedOutPage(contextFor(reply))),
  );
  app.get('/auth/logout', (_request, reply) => page(reply, renderLogoutPage(contextFor(reply))));

  app.get('/auth/sessions', async (request, reply) => {
    const caller = await flows.callers.resolve(request).catch(() => null);
    if (caller === null)
      return reply.redirect(
        `/auth/login?next=${encodeURIComponent(signHandoff('/auth/sessions', options.handoffSecret))}`,
        302,
      );
    const [user, sessions] = await Promise.all([
      flows.currentUser(caller),
      flows.listSessions(caller),
    ]);
    const notice = (request.query as { notice?: unknown }).notice;
    return page(
      reply,
      renderSessionsPage(contextFor(reply), {
        email: user.email,
        notice:
          notice === 'revoked'
            ? 'The session was signed out.'
            : notice === 'others'
              ? 'Every other session was signed out.'
              : undefined,
        sessions: sessions.map((session) => ({
          id: session.id,
          deviceLabel: session.deviceLabel,
          ip: session.ip,
          createdAt: new Date(session.createdAt),
          lastSeenAt: new Date(session.lastSeenAt),
          current: session.id === caller.session.id,
        })),
      }),
    );
  });

  app.post('/auth/sessions/revoke', formPost, async (request, reply) => {
    const caller = await flows.callers.require(request);
    const form = revokeForm.safeParse(request.body);
    if (form.success)
      await flows.revokeSession(caller, form.data.session_id, request).catch(() => undefined);
    return reply.redirect('/auth/sessions?notice=revoked', 303);
  });

  app.post('/auth/sessions/revoke-others', formPost, async (request, reply) => {
    const caller = await flows.callers.require(request);
    await flows.revokeOthers(caller, request);
    return reply.redirect('/auth/sessions?notice=others', 303);
  });

  // Errors on pages render as pages, not JSON.
  app.setErrorHandler((error, request, reply) => {
    const failure = asPageError(error);
    // A dependency outage (503) is expected and logged once by its breaker, not per page.
    if (isDependencyOutage(failure)) request.log.debug({ code: failure.code }, 'page refused');
    else if (failure.statusCode >= 500) request.log.error({ err: error }, 'page failed');
    // The error's headers (Retry-After) hold for the page as for the JSON answer.
    for (const [name, value] of Object.entries(failure.headers)) void reply.header(name, value);
    return page(
      reply.header('x-authflow-error', failure.code),
      renderErrorPage(contextFor(reply), {
        status: failure.statusCode,
        title: titleFor(failure),
        message: failure.message,
      }),
      failure.statusCode,
    );
  });
  done();
}

/**
 * A form page drawn again with the error: it keeps the error's headers (Retry-After on 429 and
 * 503) and names its code, as the JSON answer would.
 */
function withErrorHeaders(reply: FastifyReply, failure: AuthflowError): FastifyReply {
  for (const [name, value] of Object.entries(failure.headers)) void reply.header(name, value);
  return reply.header('x-authflow-error', failure.code);
}

/** Registry errors pass through; the CSRF plugin's and fastify's become registry errors too. */
function asPageError(error: unknown): AuthflowError {
  if (isAuthflowError(error)) return error;
  const mapped = mapAuthError(error);
  if (mapped !== undefined) {
    return mapped.code === 'csrf_failed'
      ? authErrors.create('csrf_failed', {
          message:
            'This form expired or did not come from this site. Go back, reload the page and try again.',
        })
      : mapped;
  }
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  if (status === 413) return authErrors.create('payload_too_large');
  return typeof status === 'number' && status >= 400 && status < 500
    ? authErrors.create('bad_request', { cause: error })
    : authErrors.create('internal_error', { cause: error });
}

function fieldErrorsOf(error: AuthflowError): FieldErrors {
  // The message says why the password was refused and what to do instead, in plain words.
  if (error.code === 'weak_password') return { password: error.message };
  if (error.code === 'validation_failed') return { email: 'Enter a valid email address.' };
  if (error.code === 'invalid_token')
    return { form: 'This link is invalid or has expired. Ask for a new one.' };
  return { form: error.message };
}

function isDependencyOutage(error: AuthflowError): boolean {
  return error.statusCode === 502 || error.statusCode === 503 || error.statusCode === 504;
}

function titleFor(error: AuthflowError): string {
  if (error.statusCode === 403) return 'Request refused';
  if (error.statusCode === 429) return 'Too many attempts';
  if (isDependencyOutage(error)) return 'Temporarily unavailable';
  if (error.statusCode >= 500) return 'Something went wrong';
  return 'Request not valid';
}
