// The account pages under /auth/account: forms with CSRF tokens that post back here, like the
// other auth pages, for the signed-in user the gateway's assertion names. They are page routes
// like those of web/: the same headers (sendPage), the same form guard (formPost), and errors
// drawn as pages by the one error handler (renderPageError), not by a handler of their own.
import { type AuthflowError, isAuthflowError } from '@authflow/errors';
import { loginRedirect } from '@authflow/handoff';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Branding } from '../branding.js';
import { authErrors } from '../errors/auth-errors.js';
import type { IdentityProvider } from '../identity/identity-provider.js';
import type { Caller, CallerResolver } from '../sessions/caller.js';
import type { SessionCookies } from '../sessions/session-cookies.js';
import { formPost } from '../web/form-post.js';
import { type PageRouteConfig, refusalOf } from '../web/page-errors.js';
import { pageContext, sendPage, sendRefusal } from '../web/page-reply.js';
import { exportFileName } from './account-download.js';
import {
  changeEmailForm,
  changePasswordForm,
  confirmEmailBody,
  deleteAccountForm,
} from './account-inputs.js';
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

/** Looked up by `?notice=`: a Map, so a query naming an Object property (`constructor`) is none. */
const NOTICES: ReadonlyMap<unknown, string> = new Map([
  ['password', 'Your password was changed.'],
  ['email', 'We sent a link to the new address. Your address changes when it is followed.'],
]);

export function accountPageRoutes(
  app: FastifyInstance,
  options: AccountPageOptions,
  done: () => void,
): void {
  const { account, callers, cookies, branding } = options;
  // Encapsulation marks the pages, as in web/index.ts: the error handler draws their errors.
  const authPage: PageRouteConfig = { branding, handoffSecret: options.handoffSecret };
  app.addHook('onRoute', (route) => {
    route.config = { ...route.config, authPage };
  });
  const contextFor = (reply: FastifyReply) => pageContext(reply, branding);
  const guard = formPost(app, options.allowedOrigins, cookies.name);
  const toLogin = (reply: FastifyReply): FastifyReply =>
    reply.redirect(loginRedirect(ACCOUNT_PATHS.account, options.handoffSecret), 302);
  /** The account page again, with one form's refusal; its status and headers are the error's. */
  const refused = async (
    caller: Caller,
    reply: FastifyReply,
    form: AccountForm,
    failure: AuthflowError,
    newEmail?: string,
  ): Promise<FastifyReply> => {
    const email = await emailOf(caller);
    return sendRefusal(
      reply,
      failure,
      renderAccountPage(contextFor(reply), {
        email,
        newEmail,
        error: { form, message: refusalMessage(failure) },
      }),
    );
  };
  const emailOf = async (caller: Caller): Promise<string> =>
    (await options.provider.getUser(caller.session.userId))?.email ?? caller.session.email;

  app.get(ACCOUNT_PATHS.account, async (request, reply) => {
    const caller = await callers.resolve(request).catch(() => null);
    if (caller === null) return toLogin(reply);
    const user = await options.provider.getUser(caller.session.userId);
    if (user === null) return toLogin(reply);
    return sendPage(
      reply,
      renderAccountPage(contextFor(reply), {
        email: user.email,
        notice: NOTICES.get((request.query as { notice?: unknown }).notice),
      }),
    );
  });

  /**
   * One form of the account page, for the signed-in caller: its fields parsed, the change made,
   * then `done`. A refusal (fields that do not parse, or the service's) draws the page again
   * with the message next to that form.
   */
  const accountForm =
    <T>(flow: {
      readonly form: AccountForm;
      readonly fields: z.ZodType<T>;
      /** What the form says when its fields do not parse. */
      readonly invalid: string;
      readonly change: (caller: Caller, input: T, request: FastifyRequest) => Promise<unknown>;
      readonly done: (reply: FastifyReply) => FastifyReply;
    }) =>
    async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
      const caller = await callers.require(request);
      const parsed = flow.fields.safeParse(request.body);
      const failure = parsed.success
        ? await flow.change(caller, parsed.data, request).then(() => undefined, refusalOf)
        : authErrors.create('validation_failed', { message: flow.invalid });
      if (failure === undefined) return flow.done(reply);
      return refused(caller, reply, flow.form, failure, typedNewEmail(request.body));
    };

  app.post(
    ACCOUNT_PATHS.changePassword,
    guard,
    accountForm({
      form: 'password',
      fields: changePasswordForm,
      invalid: 'Enter your current and new password.',
      change: (caller, input, request) =>
        account.changePassword(
          caller,
          {
            currentPassword: input.current_password,
            newPassword: input.new_password,
            signOutOthers: input.sign_out_others === 'on',
          },
          request,
        ),
      done: (reply) => reply.redirect(`${ACCOUNT_PATHS.account}?notice=password`, 303),
    }),
  );

  app.post(
    ACCOUNT_PATHS.changeEmail,
    guard,
    accountForm({
      form: 'email',
      fields: changeEmailForm,
      invalid: 'Enter the new email address and your current password.',
      change: (caller, input, request) =>
        account.requestEmailChange(
          caller,
          { currentPassword: input.email_current_password, newEmail: input.new_email },
          request,
        ),
      done: (reply) => reply.redirect(`${ACCOUNT_PATHS.account}?notice=email`, 303),
    }),
  );

  app.post(
    ACCOUNT_PATHS.deleteAccount,
    guard,
    accountForm({
      form: 'delete',
      fields: deleteAccountForm,
      invalid: 'Enter your password and tick the box to confirm.',
      change: (caller, input, request) =>
        account.deleteAccount(caller, input.delete_password, request),
      done: (reply) => {
        cookies.expire(reply);
        return sendPage(reply, renderAccountDeletedPage(contextFor(reply)));
      },
    }),
  );

  app.get(ACCOUNT_PATHS.exportData, async (request, reply) => {
    const caller = await callers.resolve(request).catch(() => null);
    if (caller === null) return toLogin(reply);
    const data = await account.exportData(caller, request);
    return reply
      .header('content-disposition', `attachment; filename="${exportFileName(new Date())}"`)
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff')
      .type('application/json; charset=utf-8')
      .send(JSON.stringify(data, null, 2));
  });

  app.get(ACCOUNT_PATHS.confirmEmail, (request, reply) => {
    const query = confirmEmailBody.safeParse(request.query);
    if (!query.success) {
      const failure = authErrors.create('invalid_token');
      return sendRefusal(
        reply,
        failure,
        renderConfirmEmailPage(contextFor(reply), { token: '', error: failure.message }),
      );
    }
    return sendPage(reply, renderConfirmEmailPage(contextFor(reply), { token: query.data.token }));
  });

  app.post(ACCOUNT_PATHS.confirmEmail, guard, async (request, reply) => {
    const form = confirmEmailBody.safeParse(request.body);
    const outcome = form.success
      ? await account.confirmEmailChange(form.data.token, request).catch(refusalOf)
      : authErrors.create('invalid_token');
    if (isAuthflowError(outcome)) {
      return sendRefusal(
        reply,
        outcome,
        renderConfirmEmailPage(contextFor(reply), {
          token: form.success ? form.data.token : '',
          error: refusalMessage(outcome),
        }),
      );
    }
    if (outcome.status === 'pending') {
      return sendPage(reply, renderEmailChangedPage(contextFor(reply), { status: 'pending' }));
    }
    cookies.expire(reply);
    return sendPage(
      reply,
      renderEmailChangedPage(contextFor(reply), { status: 'changed', email: outcome.user.email }),
    );
  });

  done();
}

/** The new address as typed, shown again after a refusal (within an address's length). */
function typedNewEmail(body: unknown): string | undefined {
  const typed = (body as { new_email?: unknown } | undefined)?.new_email;
  return typeof typed === 'string' && typed.length <= 254 ? typed : undefined;
}

/**
 * What a refused form says: the error's own message (the password policy explains itself), except
 * for the provider's `reused`, which only it can know.
 */
function refusalMessage(error: AuthflowError): string {
  const reasons = (error.details.reasons as string[] | undefined) ?? [];
  if (error.code === 'weak_password' && reasons.includes('reused'))
    return 'Choose a password different from the current one.';
  return error.message;
}
