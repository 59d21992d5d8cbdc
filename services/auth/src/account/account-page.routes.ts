// The account pages under /auth/account: forms with CSRF tokens that post back here, like the
// other auth pages, for the signed-in user the gateway's assertion names.
import { type AuthflowError, isAuthflowError } from '@authflow/errors';
import { signHandoff } from '@authflow/handoff';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { token as tokenSchema } from '../api/schemas.js';
import type { Branding } from '../branding.js';
import { authErrors } from '../errors/auth-errors.js';
import { mapAuthError } from '../errors/identity-errors.js';
import type { IdentityProvider } from '../identity/identity-provider.js';
import { renderErrorPage } from '../pages/index.js';
import { requireSameOrigin } from '../security/request-origin.js';
import type { Caller, CallerResolver } from '../sessions/caller.js';
import type { SessionCookies } from '../sessions/session-cookies.js';
import { exportFileName } from './account-download.js';
import { changeEmailForm, changePasswordForm, deleteAccountForm } from './account-inputs.js';
import {
  ACCOUNT_PATHS,
  type AccountForm,
  renderAccountDeletedPage,
  renderAccountPage,
  renderConfirmEmailPage,
  renderEmailChangedPage,
} from './account-pages.js';
import type { AccountService } from './account-service.js';

export interface AccountPageOptions {
  readonly account: AccountService;
  readonly provider: IdentityProvider;
  readonly callers: CallerResolver;
  readonly cookies: SessionCookies;
  readonly branding: Branding;
  readonly allowedOrigins: readonly string[];
  readonly handoffSecret: string;
}

/** The same headers as every auth page: no scripts, no framing, no referrer, never cached. */
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'none'; style-src 'self'; img-src 'self' https: data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
} as const;

const NOTICES: Readonly<Record<string, string>> = {
  password: 'Your password was changed.',
  email: 'We sent a link to the new address. Your address changes when it is followed.',
};

export function accountPageRoutes(
  app: FastifyInstance,
  options: AccountPageOptions,
  done: () => void,
): void {
  const { account, callers, cookies, branding } = options;
  const contextFor = (reply: FastifyReply) => ({ branding, csrfToken: reply.generateCsrf() });
  const page = (reply: FastifyReply, markup: string, status = 200): FastifyReply =>
    reply.code(status).headers(PAGE_HEADERS).type('text/html; charset=utf-8').send(markup);
  const formPost = {
    preHandler: [
      app.csrfProtection.bind(app),
      (request: FastifyRequest, _reply: FastifyReply, next: (error?: Error) => void) => {
        try {
          requireSameOrigin(request, options.allowedOrigins);
          next();
        } catch (error) {
          next(error as Error);
        }
      },
    ],
  };
  const toLogin = (reply: FastifyReply, path: string): FastifyReply =>
    reply.redirect(
      `${ACCOUNT_PATHS.login}?next=${encodeURIComponent(signHandoff(path, options.handoffSecret))}`,
      302,
    );
  /** The account page again, with one form's refusal; its status and headers are the error's. */
  const refused = async (
    caller: Caller,
    reply: FastifyReply,
    form: AccountForm,
    failure: AuthflowError,
    newEmail?: string,
  ): Promise<FastifyReply> => {
    const email = await emailOf(caller);
    for (const [name, value] of Object.entries(failure.headers)) void reply.header(name, value);
    return page(
      reply.header('x-authflow-error', failure.code),
      renderAccountPage(contextFor(reply), {
        email,
        newEmail,
        error: { form, message: messageFor(failure) },
      }),
      failure.statusCode,
    );
  };
  const emailOf = async (caller: Caller): Promise<string> =>
    (await options.provider.getUser(caller.session.userId))?.email ?? caller.session.email;

  app.get(ACCOUNT_PATHS.account, async (request, reply) => {
    const caller = await callers.resolve(request).catch(() => null);
    if (caller === null) return toLogin(reply, ACCOUNT_PATHS.account);
    const user = await options.provider.getUser(caller.session.userId).catch(rethrowMapped);
    if (user === null) return toLogin(reply, ACCOUNT_PATHS.account);
    const notice = (request.query as { notice?: unknown }).notice;
    return page(
      reply,
      renderAccountPage(contextFor(reply), {
        email: user.email,
        notice: typeof notice === 'string' ? NOTICES[notice] : undefined,
      }),
    );
  });

  app.post(ACCOUNT_PATHS.changePassword, formPost, async (request, reply) => {
    const caller = await callers.require(request);
    const form = changePasswordForm.safeParse(request.body);
    if (!form.success) {
      return refused(
        caller,
        reply,
        'password',
        invalidForm('Enter your current and new password.'),
      );
    }
    const failure = await account
      .changePassword(
        caller,
        {
          currentPassword: form.data.current_password,
          newPassword: form.data.new_password,
          signOutOthers: form.data.sign_out_others === 'on',
        },
        request,
      )
      .then(() => undefined, asPageError);
    if (failure !== undefined) return refused(caller, reply, 'password', failure);
    return reply.redirect(`${ACCOUNT_PATHS.account}?notice=password`, 303);
  });

  app.post(ACCOUNT_PATHS.changeEmail, formPost, async (request, reply) => {
    const caller = await callers.require(request);
    const form = changeEmailForm.safeParse(request.body);
    const typed = (request.body as { new_email?: unknown } | undefined)?.new_email;
    const newEmail = typeof typed === 'string' && typed.length <= 254 ? typed : undefined;
    if (!form.success) {
      return refused(
        caller,
        reply,
        'email',
        invalidForm('Enter the new email address and your current password.'),
        newEmail,
      );
    }
    const failure = await account
      .requestEmailChange(
        caller,
        { currentPassword: form.data.email_current_password, newEmail: form.data.new_email },
        request,
      )
      .then(() => undefined, asPageError);
    if (failure !== undefined) return refused(caller, reply, 'email', failure, newEmail);
    return reply.redirect(`${ACCOUNT_PATHS.account}?notice=email`, 303);
  });

  app.get(ACCOUNT_PATHS.exportData, async (request, reply) => {
    const caller = await callers.resolve(request).catch(() => null);
    if (caller === null) return toLogin(reply, ACCOUNT_PATHS.account);
    const data = await account.exportData(caller, request);
    return reply
      .header('content-disposition', `attachment; filename="${exportFileName(new Date())}"`)
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff')
      .type('application/json; charset=utf-8')
      .send(JSON.stringify(data, null, 2));
  });

  app.post(ACCOUNT_PATHS.deleteAccount, formPost, async (request, reply) => {
    const caller = await callers.require(request);
    const form = deleteAccountForm.safeParse(request.body);
    if (!form.success) {
      return refused(
        caller,
        reply,
        'delete',
        invalidForm('Enter your password and tick the box to confirm.'),
      );
    }
    const failure = await account
      .deleteAccount(caller, form.data.delete_password, request)
      .then(() => undefined, asPageError);
    if (failure !== undefined) return refused(caller, reply, 'delete', failure);
    cookies.expire(reply);
    return page(reply, renderAccountDeletedPage(contextFor(reply)));
  });

  app.get(ACCOUNT_PATHS.confirmEmail, (request, reply) => {
    const query = z.object({ token: tokenSchema }).safeParse(request.query);
    if (!query.success) {
      return page(
        reply.header('x-authflow-error', 'invalid_token'),
        renderConfirmEmailPage(contextFor(reply), {
          token: '',
          error: authErrors.definitions.invalid_token.message,
        }),
        400,
      );
    }
    return page(reply, renderConfirmEmailPage(contextFor(reply), { token: query.data.token }));
  });

  app.post(ACCOUNT_PATHS.confirmEmail, formPost, async (request, reply) => {
    const form = z.object({ token: tokenSchema }).safeParse(request.body);
    const outcome = form.success
      ? await account.confirmEmailChange(form.data.token, request).catch(asPageError)
      : authErrors.create('invalid_token');
    if (isAuthflowError(outcome)) {
      return page(
        reply.header('x-authflow-error', outcome.code),
        renderConfirmEmailPage(contextFor(reply), {
          token: form.success ? form.data.token : '',
          error: messageFor(outcome),
        }),
        outcome.statusCode,
      );
    }
    if (outcome.status === 'pending') {
      return page(reply, renderEmailChangedPage(contextFor(reply), { status: 'pending' }));
    }
    cookies.expire(reply);
    return page(
      reply,
      renderEmailChangedPage(contextFor(reply), { status: 'changed', email: outcome.user.email }),
    );
  });

  // Errors on pages render as pages, not JSON (a missing session, a CSRF failure, an outage).
  app.setErrorHandler((error, request, reply) => {
    const failure = asPageError(error);
    if (failure.statusCode >= 500 && failure.statusCode !== 503)
      request.log.error({ err: error }, 'account page failed');
    for (const [name, value] of Object.entries(failure.headers)) void reply.header(name, value);
    return page(
      reply.header('x-authflow-error', failure.code),
      renderErrorPage(contextFor(reply), {
        status: failure.statusCode,
        title: failure.statusCode === 401 ? 'Sign in again' : 'Request refused',
        message: messageFor(failure),
      }),
      failure.statusCode,
    );
  });
  done();
}

function invalidForm(message: string): AuthflowError {
  return authErrors.create('validation_failed', { message });
}

/** Registry errors pass through; identity, store and CSRF-plugin errors are mapped once, there. */
function asPageError(error: unknown): AuthflowError {
  const mapped = mapAuthError(error);
  if (mapped !== undefined) return mapped;
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  if (status === 413) return authErrors.create('payload_too_large');
  return typeof status === 'number' && status >= 400 && status < 500
    ? authErrors.create('bad_request', { cause: error })
    : authErrors.create('internal_error', { cause: error });
}

function rethrowMapped(error: unknown): never {
  throw asPageError(error);
}

/** What a refused form says: the password rules in words, otherwise the error's own message. */
function messageFor(error: AuthflowError): string {
  if (error.code === 'csrf_failed')
    return 'This form expired or did not come from this site. Go back, reload the page and try again.';
  if (error.code !== 'weak_password') return error.message;
  const reasons = (error.details.reasons as string[] | undefined) ?? [];
  if (reasons.includes('reused')) return 'Choose a password different from the current one.';
  if (reasons.includes('common')) return 'This password is too common. Choose another.';
  if (reasons.includes('length')) return 'Use 10 to 128 characters.';
  return error.message;
}
