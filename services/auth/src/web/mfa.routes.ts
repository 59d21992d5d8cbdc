// The second-factor challenge page: after a password (a pending sign-in), or for a signed-in
// session that needs a second factor now (step-up, sent here by the gateway or by a sensitive
// action). The same page, the same methods, one answer each.
import { type AuthflowError, isAuthflowError } from '@authflow/errors';
import { loginRedirect } from '@authflow/handoff';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { clientFactsOf } from '../api/client-facts.js';
import type { MfaFlows, MfaMethod } from '../mfa/mfa-flows.js';
import type { PendingSignIn } from '../mfa/mfa-ports.js';
import type { Caller } from '../sessions/caller.js';
import {
  AUTH_PATHS,
  maskEmailAddress,
  renderChallengePage,
  renderLoginPage,
  type ChallengeView,
} from '../pages/index.js';
import { refusalOf } from './page-errors.js';
import { pageContext, sendPage, sendRefusal } from './page-reply.js';
import type { FlowRoutesOptions } from './page-routes-options.js';

const method = z.enum(['totp', 'email', 'recovery']);
const challengeQuery = z.object({
  method: method.optional(),
  next: z.string().max(4_096).optional(),
  sent: z.literal('1').optional(),
});
const challengeForm = z.object({
  method,
  code: z.string().max(64),
  next: z.string().max(4_096).optional(),
  trust_device: z.literal('true').optional(),
});
const emailCodeForm = z.object({ next: z.string().max(4_096).optional() });

/** Who is answering: a pending sign-in from this device, or a signed-in caller (step-up). */
type Challenger =
  | { readonly kind: 'pending'; readonly pending: PendingSignIn }
  | { readonly kind: 'caller'; readonly caller: Caller };

export function mfaRoutes(
  app: FastifyInstance,
  options: FlowRoutesOptions,
  done: () => void,
): void {
  const { flows, cookies, branding } = options;
  const mfaCookies = options.mfaCookies;
  const mfa = flows.mfa;
  if (mfa === undefined || mfaCookies === undefined) {
    done();
    return;
  }

  async function challenger(request: FastifyRequest): Promise<Challenger | null> {
    const pending = await mfa?.pendingFor(mfaCookies?.pending(request), clientFactsOf(request));
    if (pending !== null && pending !== undefined) return { kind: 'pending', pending };
    const caller = await flows.callers.resolve(request).catch(() => null);
    return caller === null ? null : { kind: 'caller', caller };
  }

  async function page(
    reply: FastifyReply,
    who: Challenger,
    view: Omit<ChallengeView, 'mode' | 'methods' | 'trustDeviceDays'>,
    mfaFlows: MfaFlows,
  ): Promise<string> {
    const owner =
      who.kind === 'pending'
        ? {
            userId: who.pending.userId,
            email: who.pending.email,
            providerSessionKey: who.pending.id,
          }
        : {
            userId: who.caller.session.userId,
            email: who.caller.session.email,
            providerSessionKey: who.caller.session.id,
          };
    const { methods } = await mfaFlows.available(owner);
    return renderChallengePage(pageContext(reply, branding), {
      ...view,
      mode: who.kind === 'pending' ? 'sign-in' : 'step-up',
      methods,
      trustDeviceDays:
        who.kind === 'pending' ? Math.floor(mfaFlows.settings.trustedDeviceTtlMs / 86_400_000) : 0,
      emailCodeMinutes: Math.round(mfaFlows.settings.emailCodeTtlMs / 60_000),
    });
  }

  app.get(AUTH_PATHS.mfa, async (request, reply) => {
    const query = challengeQuery.safeParse(request.query);
    const next = query.success ? query.data.next : undefined;
    const who = await challenger(request);
    if (who === null) {
      // Nothing to confirm: no pending sign-in here and nobody signed in. Start from the login.
      mfaCookies.clearPending(reply);
      return reply.redirect(loginRedirect(flows.landingFor(next), options.handoffSecret), 302);
    }
    if (who.kind === 'caller') {
      const { methods } = await mfa.available({
        userId: who.caller.session.userId,
        email: who.caller.session.email,
      });
      // A page that needs a second factor, for an account without one: set one up first.
      if (methods.length === 0) return reply.redirect(`${AUTH_PATHS.security}?notice=needed`, 303);
    }
    const email = who.kind === 'pending' ? who.pending.email : who.caller.session.email;
    return sendPage(
      reply,
      await page(
        reply,
        who,
        {
          method: query.success ? query.data.method : undefined,
          next: who.kind === 'pending' ? undefined : next,
          emailSentTo:
            query.success && query.data.sent === '1' ? maskEmailAddress(email) : undefined,
          reason:
            who.kind === 'caller'
              ? 'Confirm it is you with your second factor to continue.'
              : undefined,
        },
        mfa,
      ),
    );
  });

  app.post(AUTH_PATHS.mfa, options.formPost, async (request, reply) => {
    const form = challengeForm.safeParse(request.body);
    const who = await challenger(request);
    if (who === null) return sessionOver(reply);
    const next = form.success ? form.data.next : undefined;
    const again = async (failure: AuthflowError, chosen: MfaMethod | undefined) => {
      const attemptsLeft = (failure.details as { attempts_left?: number } | undefined)
        ?.attempts_left;
      return sendRefusal(
        reply,
        failure,
        await page(
          reply,
          who,
          {
            method: chosen,
            next,
            error: failure.message,
            ...(attemptsLeft === undefined ? {} : { attemptsLeft }),
          },
          mfa,
        ),
      );
    };
    if (!form.success || form.data.code.trim() === '')
      return sendPage(
        reply,
        await page(reply, who, { next, error: 'Enter the code.', method: form.data?.method }, mfa),
        400,
      );
    const answer = { method: form.data.method, code: form.data.code };
    const client = clientFactsOf(request);
    if (who.kind === 'caller') {
      const passed = await mfa.stepUp(who.caller, answer, client).catch(refusalOf);
      if (isAuthflowError(passed)) return again(passed, answer.method);
      cookies.set(reply, passed.token);
      return reply.redirect(flows.landingFor(next), 303);
    }
    const signedIn = await flows
      .completeSecondFactor(
        mfaCookies.pending(request),
        { ...answer, trustDevice: form.data.trust_device === 'true' },
        client,
      )
      .catch(refusalOf);
    if (isAuthflowError(signedIn)) {
      if (signedIn.code === 'mfa_pending_invalid') return sessionOver(reply, signedIn);
      return again(signedIn, answer.method);
    }
    mfaCookies.clearPending(reply);
    cookies.set(reply, signedIn.token);
    if (signedIn.trusted !== undefined) mfaCookies.setTrusted(reply, signedIn.trusted);
    return reply.redirect(signedIn.redirectTo, 303);
  });

  app.post(AUTH_PATHS.mfaSendEmailCode, options.formPost, async (request, reply) => {
    const form = emailCodeForm.safeParse(request.body);
    const next = form.success ? form.data.next : undefined;
    const who = await challenger(request);
    if (who === null) return sessionOver(reply);
    const client = clientFactsOf(request);
    const sent = await (
      who.kind === 'pending'
        ? mfa.sendSignInEmailCode(mfaCookies.pending(request), client)
        : mfa.sendStepUpEmailCode(who.caller, client)
    ).catch(refusalOf);
    if (isAuthflowError(sent))
      return sendRefusal(
        reply,
        sent,
        await page(reply, who, { method: 'email', next, error: sent.message }, mfa),
      );
    const query = new URLSearchParams({ method: 'email', sent: '1' });
    if (next !== undefined && who.kind === 'caller') query.set('next', next);
    return reply.redirect(`${AUTH_PATHS.mfa}?${query.toString()}`, 303);
  });

  /** The pending sign-in is over (expired, too many codes, another device): sign in again. */
  function sessionOver(reply: FastifyReply, failure?: AuthflowError) {
    mfaCookies?.clearPending(reply);
    const message = failure?.message ?? 'This sign-in has expired or was ended. Sign in again.';
    return sendPage(reply, renderLoginPage(pageContext(reply, branding), { error: message }), 401);
  }
  done();
}
