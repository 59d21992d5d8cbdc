// The sign-in URL that brings a browser back: `/auth/login?next=<signed handoff>`.
import type { HandoffOptions } from './handoff.js';
import { handoffRedirect } from './handoff-redirect.js';

/** Where the auth service serves its sign-in page (DESIGN.md §2, §7). */
export const DEFAULT_LOGIN_PATH = '/auth/login';

export interface LoginRedirectOptions extends HandoffOptions {
  /** The sign-in page; `DEFAULT_LOGIN_PATH` unless configured otherwise (GATEWAY_LOGIN_PATH). */
  readonly loginPath?: string;
}

/**
 * The sign-in page with `next` set to a signed, five-minute handoff to `returnTo`; the bare
 * sign-in page when `returnTo` leaves the origin.
 */
export function loginRedirect(
  returnTo: string,
  secret: string,
  options: LoginRedirectOptions = {},
): string {
  const { loginPath = DEFAULT_LOGIN_PATH, ...handoff } = options;
  return handoffRedirect(loginPath, returnTo, secret, handoff);
}
