// "Sign in as someone else": `/auth/logout?next=<signed handoff>`, for a browser a route refused.
import type { HandoffOptions } from './handoff.js';
import { handoffRedirect } from './handoff-redirect.js';

/** Where the auth service asks a browser to confirm signing out. */
export const DEFAULT_LOGOUT_PATH = '/auth/logout';

export interface LogoutRedirectOptions extends HandoffOptions {
  /** The sign-out page; `DEFAULT_LOGOUT_PATH` unless configured otherwise (GATEWAY_LOGOUT_PATH). */
  readonly logoutPath?: string;
}

/**
 * The sign-out page with `next` set to a signed, five-minute handoff to `returnTo`: after signing
 * out, auth may offer to sign in again with the same `next` (another account that may pass). A
 * link, never a redirect: the signed-in user decides. The bare page when `returnTo` leaves the
 * origin.
 */
export function logoutRedirect(
  returnTo: string,
  secret: string,
  options: LogoutRedirectOptions = {},
): string {
  const { logoutPath = DEFAULT_LOGOUT_PATH, ...handoff } = options;
  return handoffRedirect(logoutPath, returnTo, secret, handoff);
}
