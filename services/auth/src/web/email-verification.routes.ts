// Where a verification link lands a browser (the API's verify-email redirects here): the result.
import type { FastifyInstance } from 'fastify';
import { renderEmailVerifiedPage } from '../pages/index.js';
import { pageContext, sendPage } from './page-reply.js';
import type { FlowRoutesOptions } from './page-routes-options.js';

export function emailVerificationRoutes(
  app: FastifyInstance,
  options: FlowRoutesOptions,
  done: () => void,
): void {
  app.get('/auth/email-verified', (request, reply) => {
    const ok = (request.query as { status?: unknown }).status === 'ok';
    const page = renderEmailVerifiedPage(pageContext(reply, options.branding), { ok });
    return sendPage(reply, page, ok ? 200 : 400);
  });
  done();
}
