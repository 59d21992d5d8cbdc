// What other workspaces (all-in-one start, benchmarks, tests) use of the auth service.
export { type AuthDependencies, buildAuthApp } from './app.js';
export { type AuthConfig, loadAuthConfig } from './config/load-config.js';
export { authErrors } from './errors/auth-errors.js';
export type { IdentityProvider, IdentityUser } from './identity/identity-provider.js';
export type { Mailer, MailMessage } from './mail/mailer.js';
