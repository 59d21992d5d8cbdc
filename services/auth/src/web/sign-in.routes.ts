// The sign-in page: the form, and its post that opens a session and follows the handoff.
import { isAuthflowError } from '@authflow/errors';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { clientFactsOf } from '../api/client-facts.js';
import { authErrors } from '../errors/auth-errors.js';
import { AUTH_PATHS, renderLoginPage } from '../pages/index.js';
import { readCredentialsForm } from './credentials-form.js';
import { refusalOf } from './page-errors.js';
import { pageContext, sendPage, sendRefusal } from './page-reply.js';
import type { FlowRoutesOptions } from './page-routes-options.js';

const loginQuery = z.object({
  next: z.string().max(4_096).optional(),
  notice: z.string().optional(),
});

export function signInRoutes(
  app: FastifyInstance,
  options: FlowRoutesOptions,
  done: () => void,
): void {
  const { flows, cookies, branding } = options;
  const methods = () => ({
    providers: options.federation?.buttons() ?? [],
    passwords: options.passwords !== false,
  });

  app.get('/auth/login', (request, reply) => {
    const query = loginQuery.safeParse(request.query);
    const next = query.success ? query.data.next : undefined;
    const notice =
      query.success && query.data.notice === 'verified'
        ? 'Your email address is confirmed. Sign in.'
        : undefined;
    return sendPage(
      reply,
      renderLoginPage(pageContext(reply, branding), { next, notice, ...methods() }),
    );
  });

  app.post('/auth/login', options.formPost, async (request, reply) => {
    // SSO-only deployments take no password at all.
    if (options.passwords === false) throw authErrors.create('not_found');
    const { typed, next, credentials } = readCredentialsForm(request.body);
    const loginPage = (error: string) =>
      renderLoginPage(pageContext(reply, branding), { next, email: typed, error, ...methods() });
    if (credentials === undefined)
      return sendPage(reply, loginPage('Enter your email address and password.'), 400);
    const outcome = await flows
      .signIn(
        { ...credentials, trustedDevice: options.mfaCookies?.trusted(request) },
        clientFactsOf(request),
      )
      .catch(refusalOf);
    if (isAuthflowError(outcome)) return sendRefusal(reply, outcome, loginPage(outcome.message));
    if (outcome.kind === 'mfa_required') {
      // The password was right; no session until the second factor is.
      options.mfaCookies?.setPending(
        reply,
        outcome.pendingToken,
        outcome.pending.expiresAt - Date.now(),
      );
      return reply.redirect(AUTH_PATHS.mfa, 303);
    }
    cookies.set(reply, outcome.token);
    return reply.redirect(outcome.redirectTo, 303);
  });
  done();
}
