// Signing out from a page: the confirmation form, its post, and the page after. With a signed
// `next` (the gateway's 403 page: "sign in as someone else"), the post leads to the sign-in page,
// which follows it after.
import { verifyHandoff } from '@authflow/handoff';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AUTH_PATHS, renderLoggedOutPage, renderLogoutPage } from '../pages/index.js';
import { pageContext, sendPage } from './page-reply.js';
import type { FlowRoutesOptions } from './page-routes-options.js';

const nextField = z.object({ next: z.string().max(4_096).optional() });

export function logoutRoutes(
  app: FastifyInstance,
  options: FlowRoutesOptions,
  done: () => void,
): void {
  const { signOut, cookies, branding } = options;
  /** The handoff, when it verifies (signature, expiry, a same-origin path); else nothing. */
  const verifiedNext = (value: unknown): string | undefined => {
    const parsed = nextField.safeParse(value ?? {});
    const next = parsed.success ? parsed.data.next : undefined;
    if (next === undefined || next === '') return undefined;
    return verifyHandoff(next, options.handoffSecret).ok ? next : undefined;
  };

  app.get('/auth/logout', (request, reply) => {
    const next = verifiedNext(request.query);
    return sendPage(
      reply,
      renderLogoutPage(pageContext(reply, branding), next === undefined ? {} : { next }),
    );
  });

  app.post('/auth/logout', options.formPost, async (request, reply) => {
    await signOut.end(request);
    cookies.expire(reply);
    const next = verifiedNext(request.body);
    if (next !== undefined)
      return reply.redirect(`${AUTH_PATHS.login}?next=${encodeURIComponent(next)}`, 303);
    return reply.redirect('/auth/logged-out', 303);
  });

  app.get('/auth/logged-out', (_request, reply) =>
    sendPage(reply, renderLoggedOutPage(pageContext(reply, branding))),
  );
  done();
}
