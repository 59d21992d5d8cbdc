// The JSON API under /api/v1/simple_auth (DESIGN.md §2): accounts, sign-in, and the session inventory.
import type { SessionRecord } from '@authflow/sessions';
import { authErrors } from '../errors/auth-errors.js';
import type { FastifyInstance } from 'fastify';
import type { AccountFlows } from '../flows/account-flows.js';
import type { MfaCookies } from '../mfa/mfa-cookies.js';
import { preparePasswordStrength } from '../identity/builtin/password-strength.js';
import { jsonStateChange } from '../security/request-origin.js';
import type { SessionCookies } from '../sessions/session-cookies.js';
import type { SignOut } from '../sessions/sign-out.js';
import {
  forgotPasswordBody,
  resetPasswordBody,
  sessionIdParams,
  signInBody,
  signUpBody,
  tokenQuery,
} from './schemas.js';
import { parseInput } from './validation.js';
import { clientFactsOf } from './client-facts.js';

export interface SimpleAuthRoutesOptions {
  readonly flows: AccountFlows;
  readonly cookies: SessionCookies;
  readonly signOut: SignOut;
  readonly allowedOrigins: readonly string[];
  /** Second factors: the pending and trusted-device cookies. */
  readonly mfaCookies?: MfaCookies;
  /** AUTH_LOGIN_METHODS without `password` (SSO only): password sign-up and sign-in are 404. */
  readonly passwords?: boolean;
}

const PREFIX = '/api/v1/simple_auth';
/** One answer whatever the address: nothing tells whether it has an account. */
const SIGNUP_ACCEPTED = {
  status: 'accepted',
  message: 'If the address can be used, we sent it a link to confirm it.',
};
const RESET_ACCEPTED = {
  status: 'accepted',
  message: 'If the address has an account, we sent it a link to reset the password.',
};

export function simpleAuthRoutes(
  app: FastifyInstance,
  options: SimpleAuthRoutesOptions,
  done: () => void,
): void {
  const { flows, cookies } = options;
  // The strength dictionaries are ranked now, not during the first sign-up.
  preparePasswordStrength();
  const guarded = jsonStateChange(options.allowedOrigins, cookies.name);
  const passwordsOnly = (): void => {
    if (options.passwords === false) throw authErrors.create('not_found');
  };

  app.post(`${PREFIX}/signup`, guarded, async (request, reply) => {
    passwordsOnly();
    await flows.signUp(parseInput(signUpBody, request.body), clientFactsOf(request));
    return reply.code(202).send(SIGNUP_ACCEPTED);
  });

  app.post(`${PREFIX}/signin`, guarded, async (request, reply) => {
    passwordsOnly();
    const outcome = await flows.signIn(
      {
        ...parseInput(signInBody, request.body),
        trustedDevice: options.mfaCookies?.trusted(request),
      },
      clientFactsOf(request),
    );
    if (outcome.kind === 'mfa_required') {
      // No session yet: the pending sign-in's cookie, and what the challenge can be answered with.
      options.mfaCookies?.setPending(
        reply,
        outcome.pendingToken,
        outcome.pending.expiresAt - Date.now(),
      );
      return reply.code(202).send({
        mfa_required: true,
        factors: outcome.methods,
        expires_at: new Date(outcome.pending.expiresAt).toISOString(),
        challenge: '/api/v1/simple_auth/mfa/challenge',
      });
    }
    cookies.set(reply, outcome.token);
    return { user: publicUser(outcome.user), redirect_to: outcome.redirectTo };
  });

  // The cookie is expired even when no session was found to end: the gateway may have judged
  // it bad already (and then sent no assertion), and a signed-out browser must not keep it.
  app.post(`${PREFIX}/logout`, guarded, async (request, reply) => {
    await options.signOut.end(request);
    cookies.expire(reply);
    return reply.code(204).send();
  });

  app.post(`${PREFIX}/forgot-password`, guarded, async (request, reply) => {
    await flows.requestPasswordReset(
      parseInput(forgotPasswordBody, request.body).email,
      clientFactsOf(request),
    );
    return reply.code(202).send(RESET_ACCEPTED);
  });

  app.post(`${PREFIX}/reset-password/update`, guarded, async (request) => {
    const user = await flows.resetPassword(
      parseInput(resetPasswordBody, request.body),
      clientFactsOf(request),
    );
    return { status: 'password_changed', user: publicUser(user) };
  });

  // A link from a mail: browsers land on the result page, API clients get JSON. A link cut
  // short (no or an empty token) is the same "link invalid" page for a browser, never raw JSON.
  app.get(`${PREFIX}/verify-email`, async (request, reply) => {
    const wantsPage = (request.headers.accept ?? '').includes('text/html');
    const query = tokenQuery.safeParse(request.query);
    if (wantsPage && !query.success)
      return reply.redirect('/auth/email-verified?status=invalid', 303);
    const verified = flows.verifyEmail(
      parseInput(tokenQuery, request.query).token,
      clientFactsOf(request),
    );
    if (!wantsPage) return { status: 'verified', user: publicUser(await verified) };
    const ok = await verified.then(
      () => true,
      () => false,
    );
    return reply.redirect(`/auth/email-verified?status=${ok ? 'ok' : 'invalid'}`, 303);
  });

  app.get(`${PREFIX}/me`, async (request) => {
    const caller = await flows.callers.require(request);
    const user = await flows.currentUser(caller);
    return {
      user: publicUser(user),
      session: {
        id: caller.session.id,
        created_at: iso(caller.session.createdAt),
        expires_at: iso(caller.session.absoluteExpiresAt),
        device_label: caller.session.deviceLabel,
      },
    };
  });

  app.get(`${PREFIX}/sessions`, async (request) => {
    const caller = await flows.callers.require(request);
    const sessions = await flows.listSessions(caller);
    return { sessions: sessions.map((session) => sessionView(session, caller.session.id)) };
  });

  app.delete(`${PREFIX}/sessions/:id`, guarded, async (request, reply) => {
    const caller = await flows.callers.require(request);
    await flows.revokeSession(
      caller,
      parseInput(sessionIdParams, request.params).id,
      clientFactsOf(request),
    );
    return reply.code(204).send();
  });

  app.post(`${PREFIX}/logout-others`, guarded, async (request) => {
    const caller = await flows.callers.require(request);
    return { revoked: await flows.revokeOthers(caller, clientFactsOf(request)) };
  });

  app.post(`${PREFIX}/logout-all`, guarded, async (request, reply) => {
    const caller = await flows.callers.require(request);
    const revoked = await flows.revokeAll(caller, request);
    cookies.expire(reply);
    return { revoked };
  });
  done();
}

function publicUser(user: {
  id: string;
  email: string;
  emailVerified: boolean;
  roles: readonly string[];
}) {
  return { id: user.id, email: user.email, email_verified: user.emailVerified, roles: user.roles };
}

function sessionView(session: SessionRecord, currentId: string) {
  return {
    id: session.id,
    device_label: session.deviceLabel,
    created_at: iso(session.createdAt),
    last_seen_at: iso(session.lastSeenAt),
    ip: session.ip,
    current: session.id === currentId,
  };
}

const iso = (epochMs: number): string => new Date(epochMs).toISOString();
