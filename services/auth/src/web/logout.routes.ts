// Signing out from a page: the confirmation form, its post, and the page after.
import type { FastifyInstance } from 'fastify';
import { renderLoggedOutPage, renderLogoutPage } from '../pages/index.js';
import { pageContext, sendPage } from './page-reply.js';
import type { FlowRoutesOptions } from './page-routes-options.js';

export function logoutRoutes(
  app: FastifyInstance,
  options: FlowRoutesOptions,
  done: () => void,
): void {
  const { signOut, cookies, branding } = options;

  app.get('/auth/logout', (_request, reply) =>
    sendPage(reply, renderLogoutPage(pageContext(reply, branding))),
  );

  app.post('/auth/logout', options.formPost, async (request, reply) => {
    await signOut.end(request);
    cookies.expire(reply);
    return reply.redirect('/auth/logged-out', 303);
  });

  app.get('/auth/logged-out', (_request, reply) =>
    sendPage(reply, renderLoggedOutPage(pageContext(reply, branding))),
  );
  done();
}
