// The browser pages under /auth/, one plugin per flow: forms with CSRF tokens that post back
// here, then redirect. Every route registered here is a page route: its errors are drawn as
// pages by `renderPageError`, the error handler's `render` hook.
import type { FastifyInstance } from 'fastify';
import { renderStylesheet, STYLESHEET_PATH } from '../pages/index.js';
import { emailVerificationRoutes } from './email-verification.routes.js';
import { federationRoutes } from './federation.routes.js';
import { formPost } from './form-post.js';
import { logoutRoutes } from './logout.routes.js';
import { passwordResetRoutes } from './password-reset.routes.js';
import type { PageRoutesOptions } from './page-routes-options.js';
import { mfaRoutes } from './mfa.routes.js';
import { securityRoutes } from './security.routes.js';
import { sessionsRoutes } from './sessions.routes.js';
import { signInRoutes } from './sign-in.routes.js';
import { signUpRoutes } from './sign-up.routes.js';

export { renderPageError } from './page-errors.js';
export type { PageRoutesOptions } from './page-routes-options.js';

export async function pageRoutes(app: FastifyInstance, options: PageRoutesOptions): Promise<void> {
  // Encapsulation marks the pages, not URL checks: only routes of this context get the flag.
  const authPage = { branding: options.branding, handoffSecret: options.handoffSecret };
  app.addHook('onRoute', (route) => {
    route.config = { ...route.config, authPage };
  });

  const stylesheet = renderStylesheet(options.branding);
  app.get(STYLESHEET_PATH, (_request, reply) =>
    reply
      .type('text/css; charset=utf-8')
      .header('cache-control', 'public, max-age=3600')
      .send(stylesheet),
  );

  const flowOptions = {
    ...options,
    formPost: formPost(app, options.allowedOrigins, options.cookies.name),
  };
  await app.register(signInRoutes, flowOptions);
  await app.register(signUpRoutes, flowOptions);
  await app.register(emailVerificationRoutes, flowOptions);
  await app.register(passwordResetRoutes, flowOptions);
  await app.register(logoutRoutes, flowOptions);
  await app.register(sessionsRoutes, flowOptions);
  await app.register(mfaRoutes, flowOptions);
  await app.register(securityRoutes, flowOptions);
  if (options.federation !== undefined)
    await app.register(federationRoutes, {
      ...flowOptions,
      federation: options.federation,
      secure: options.cookieSecure ?? true,
    });
}
