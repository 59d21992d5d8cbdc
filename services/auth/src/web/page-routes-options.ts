// What the page routes are registered with, and what each flow plugin gets from their index.
import type { RouteShorthandOptions } from 'fastify';
import type { Branding } from '../branding.js';
import type { AccountFlows } from '../flows/account-flows.js';
import type { FederationFlows } from '../federation/federation-flows.js';
import type { MfaCookies } from '../mfa/mfa-cookies.js';
import type { SessionCookies } from '../sessions/session-cookies.js';
import type { SignOut } from '../sessions/sign-out.js';

export interface PageRoutesOptions {
  readonly flows: AccountFlows;
  readonly cookies: SessionCookies;
  /** The same sign-out as the API's. */
  readonly signOut: SignOut;
  readonly branding: Branding;
  readonly allowedOrigins: readonly string[];
  readonly handoffSecret: string;
  /** Second factors: the pending sign-in and trusted-device cookies (none without MFA). */
  readonly mfaCookies?: MfaCookies;
  /** Sign-in with outside providers (none without a providers file). */
  readonly federation?: FederationFlows;
  /** AUTH_LOGIN_METHODS: false hides the password form (SSO-only). */
  readonly passwords?: boolean;
  /** Cookies carry `Secure` and the `__Host-` prefix (AUTHFLOW_COOKIE_SECURE). */
  readonly cookieSecure?: boolean;
}

export interface FlowRoutesOptions extends PageRoutesOptions {
  /** Route options for a form post: CSRF token, then same origin (see form-post.ts). */
  readonly formPost: RouteShorthandOptions;
}
