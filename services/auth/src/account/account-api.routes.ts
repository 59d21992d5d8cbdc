// The account JSON API under /api/v1/simple_auth/account (protected at the gateway), plus the
// email-change confirmation, which a link from the mail may open on any device.
import type { FastifyInstance } from 'fastify';
import { parseInput } from '../api/validation.js';
import type { IdentityUser } from '../identity/identity-provider.js';
import { jsonStateChange } from '../security/request-origin.js';
import type { CallerResolver } from '../sessions/caller.js';
import type { SessionCookies } from '../sessions/session-cookies.js';
import { exportFileName } from './account-download.js';
import {
  changeEmailBody,
  changePasswordBody,
  confirmEmailBody,
  deleteAccountBody,
} from './account-inputs.js';
import type { AccountService } from './account-service.js';

export interface AccountApiOptions {
  readonly account: AccountService;
  readonly callers: CallerResolver;
  readonly cookies: SessionCookies;
  readonly allowedOrigins: readonly string[];
}

export const ACCOUNT_API = '/api/v1/simple_auth/account';
export const CONFIRM_EMAIL_CHANGE_API = '/api/v1/simple_auth/email-change/confirm';

export function accountApiRoutes(
  app: FastifyInstance,
  options: AccountApiOptions,
  done: () => void,
): void {
  const { account, callers, cookies } = options;
  /** State changes: from our own origin, as JSON (a cross-site form cannot forge that type). */
  const changesState = jsonStateChange(options.allowedOrigins, cookies.name);

  app.post(`${ACCOUNT_API}/password`, changesState, async (request) => {
    const caller = await callers.require(request);
    const body = parseInput(changePasswordBody, request.body);
    const { revoked } = await account.changePassword(
      caller,
      {
        currentPassword: body.current_password,
        newPassword: body.new_password,
        signOutOthers: body.sign_out_others,
      },
      request,
    );
    return { status: 'password_changed', revoked };
  });

  app.post(`${ACCOUNT_API}/email`, changesState, async (request, reply) => {
    const caller = await callers.require(request);
    const body = parseInput(changeEmailBody, request.body);
    await account.requestEmailChange(
      caller,
      { currentPassword: body.current_password, newEmail: body.new_email },
      request,
    );
    return reply.code(202).send({
      status: 'confirmation_sent',
      message:
        'Follow the link we sent to the new address. Until then, the address stays as it is.',
    });
  });

  app.post(CONFIRM_EMAIL_CHANGE_API, changesState, async (request, reply) => {
    const outcome = await account.confirmEmailChange(
      parseInput(confirmEmailBody, request.body).token,
      request,
    );
    if (outcome.status === 'pending') {
      return reply.code(202).send({
        status: 'confirm_other_address',
        message: 'Now follow the link sent to the other address.',
      });
    }
    // Every session has ended, this browser's too.
    cookies.expire(reply);
    return { status: 'email_changed', user: userView(outcome.user) };
  });

  app.get(`${ACCOUNT_API}/export`, async (request, reply) => {
    const caller = await callers.require(request);
    const data = await account.exportData(caller, request);
    return reply
      .header('content-disposition', `attachment; filename="${exportFileName(new Date())}"`)
      .header('cache-control', 'no-store')
      .type('application/json; charset=utf-8')
      .send(JSON.stringify(data, null, 2));
  });

  app.post(`${ACCOUNT_API}/delete`, changesState, async (request, reply) => {
    const caller = await callers.require(request);
    const { password } = parseInput(deleteAccountBody, request.body);
    await account.deleteAccount(caller, password, request);
    cookies.expire(reply);
    return { status: 'deleted' };
  });
  done();
}

function userView(user: IdentityUser) {
  return { id: user.id, email: user.email, email_verified: user.emailVerified, roles: user.roles };
}
