// Sign-in with an outside provider, as pages: the start (a plain link from the login page), the
// provider's callback, the mailed link's confirmation, and linking or unlinking while signed in.
// Failures are drawn as pages by the error handler (never the provider's raw JSON).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { clientFactsOf } from '../api/client-facts.js';
import { authErrors } from '../errors/auth-errors.js';
import type { FederationFlows } from '../federation/federation-flows.js';
import {
  AUTH_PATHS,
  renderLinkConfirmPage,
  renderLinkedPage,
  renderLinkMailSentPage,
  SSO_PATHS,
} from '../pages/index.js';
import { pageContext, sendPage } from './page-reply.js';
import type { FlowRoutesOptions } from './page-routes-options.js';

const providerParams = z.object({ provider: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/u) });
const startQuery = z.object({ next: z.string().max(4_096).optional() });
const tokenQuery = z.object({ token: z.string().min(16).max(256) });

/** How long a started flow waits for the provider (the flow record lives as long). */
const FLOW_COOKIE_MAX_AGE_S = 600;

export function federationRoutes(
  app: FastifyInstance,
  options: FlowRoutesOptions & { readonly federation: FederationFlows; readonly secure: boolean },
  done: () => void,
): void {
  const { federation, cookies, branding } = options;
  const flowCookie = options.secure ? '__Host-authflow_sso' : 'authflow_sso';
  const cookieOptions = {
    path: '/',
    httpOnly: true,
    // Lax: the provider's redirect back is a top-level GET from another site.
    sameSite: 'lax' as const,
    secure: options.secure,
  };

  const providerOf = (request: FastifyRequest): string => {
    const parsed = providerParams.safeParse(request.params);
    if (!parsed.success || federation.providerName(parsed.data.provider) === undefined)
      throw authErrors.create('not_found');
    return parsed.data.provider;
  };

  const startFlow = async (
    request: FastifyRequest,
    reply: FastifyReply,
    input: { next?: string | undefined; userId?: string },
  ) => {
    const id = providerOf(request);
    const { url, state } = await federation.start(id, input, clientFactsOf(request));
    void reply.setCookie(flowCookie, state, { ...cookieOptions, maxAge: FLOW_COOKIE_MAX_AGE_S });
    return reply.redirect(url, 303);
  };

  app.get('/auth/sso/:provider', async (request, reply) => {
    const query = startQuery.safeParse(request.query);
    return startFlow(request, reply, { next: query.success ? query.data.next : undefined });
  });

  app.get('/auth/sso/:provider/callback', async (request, reply) => {
    const id = providerOf(request);
    const presented = request.cookies[flowCookie];
    // Used or not, the flow cookie has done its job.
    void reply.clearCookie(flowCookie, cookieOptions);
    const callbackUrl = new URL(request.url, 'http://callback.invalid');
    const outcome = await federation.finish(
      id,
      { callbackUrl, flowCookie: presented },
      clientFactsOf(request),
    );
    switch (outcome.kind) {
      case 'signed_in':
        cookies.set(reply, outcome.token);
        return reply.redirect(outcome.redirectTo, 303);
      case 'mfa_required':
        if (options.mfaCookies === undefined) throw authErrors.create('not_found');
        options.mfaCookies.setPending(
          reply,
          outcome.pendingToken,
          outcome.pending.expiresAt - Date.now(),
        );
        return reply.redirect(AUTH_PATHS.mfa, 303);
      case 'link_mail_sent':
        return sendPage(
          reply,
          renderLinkMailSentPage(pageContext(reply, branding), {
            providerName: outcome.providerName,
          }),
        );
      case 'linked':
        return reply.redirect(`${AUTH_PATHS.security}?notice=identity_linked`, 303);
    }
  });

  app.get(SSO_PATHS.link, async (request, reply) => {
    const query = tokenQuery.safeParse(request.query);
    if (!query.success) throw authErrors.create('invalid_token');
    return sendPage(
      reply,
      renderLinkConfirmPage(pageContext(reply, branding), { token: query.data.token }),
    );
  });

  app.post(SSO_PATHS.link, options.formPost, async (request, reply) => {
    const form = tokenQuery.safeParse(request.body);
    if (!form.success) throw authErrors.create('invalid_token');
    const linked = await federation.confirmLink(form.data.token, clientFactsOf(request));
    return sendPage(reply, renderLinkedPage(pageContext(reply, branding), linked));
  });

  // Signed in: add a provider to the account, or remove one (never the last way in).
  app.post('/auth/sso/:provider/link', options.formPost, async (request, reply) => {
    const caller = await options.flows.callers.require(request);
    // Another way into the account: as sensitive as a new password (a recent second factor).
    await options.flows.mfa?.requireRecentFactor(caller);
    return startFlow(request, reply, { userId: caller.session.userId });
  });

  app.post('/auth/sso/:provider/unlink', options.formPost, async (request, reply) => {
    const caller = await options.flows.callers.require(request);
    await options.flows.mfa?.requireRecentFactor(caller);
    const id = providerParams.safeParse(request.params);
    if (!id.success) throw authErrors.create('not_found');
    await federation.unlink(caller.session.userId, id.data.provider, clientFactsOf(request));
    return reply.redirect(`${AUTH_PATHS.security}?notice=identity_unlinked`, 303);
  });
  done();
}
