// Account self-service (issue 13): the account pages and JSON API, registered by app.ts in one line.
import type { SessionStore } from '@authflow/sessions';
import type { FastifyInstance } from 'fastify';
import type { AuthConfig } from '../config/load-config.js';
import type { IdentityProvider } from '../identity/identity-provider.js';
import type { Mailer } from '../mail/mailer.js';
import type { MfaFlows } from '../mfa/mfa-flows.js';
import type { LoginThrottle } from '../security/login-throttle.js';
import type { CallerResolver } from '../sessions/caller.js';
import type { SessionCookies } from '../sessions/session-cookies.js';
import { accountApiRoutes } from './account-api.routes.js';
import { accountPageRoutes } from './account-page.routes.js';
import { AccountService } from './account-service.js';

export interface AccountRoutesOptions {
  readonly provider: IdentityProvider;
  readonly store: SessionStore;
  readonly throttle: LoginThrottle;
  readonly mailer: Mailer;
  readonly callers: CallerResolver;
  readonly cookies: SessionCookies;
  readonly config: AuthConfig;
  readonly mfa?: MfaFlows;
}

/** Two child contexts: the pages render their errors as pages, the API as JSON. */
export async function accountRoutes(
  app: FastifyInstance,
  options: AccountRoutesOptions,
): Promise<void> {
  const { provider, store, throttle, mailer, callers, cookies, config } = options;
  const account = new AccountService({
    provider,
    store,
    throttle,
    mailer,
    branding: config.branding,
    ...(options.mfa === undefined ? {} : { mfa: options.mfa }),
  });
  const allowedOrigins = config.server.allowedOrigins;
  await app.register(accountApiRoutes, { account, callers, cookies, allowedOrigins });
  await app.register(accountPageRoutes, {
    account,
    provider,
    callers,
    cookies,
    branding: config.branding,
    allowedOrigins,
    handoffSecret: config.handoff.secret,
  });
}
