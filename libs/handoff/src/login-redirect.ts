// The one way to build the sign-in URL that brings a browser back: `/auth/login?next=<signed handoff>`.
import { type HandoffOptions, signHandoff } from './handoff.js';

/** Where the auth service serves its sign-in page (DESIGN.md §2, §7). */
export const DEFAULT_LOGIN_PATH = '/auth/login';

export interface LoginRedirectOptions extends HandoffOptions {
  /** The sign-in page; `DEFAULT_LOGIN_PATH` unless configured otherwise (GATEWAY_LOGIN_PATH). */
  readonly loginPath?: string;
}

/**
 * The sign-in page with `next` set to a signed, five-minute handoff to `returnTo`. A path that
 * leaves the origin is never signed: the bare sign-in page is returned instead, so a hostile
 * request URL costs the user their return trip, not a redirect off the site.
 */
export function loginRedirect(
  returnTo: string,
  secret: string,
  options: LoginRedirectOptions = {},
): string {
  const { loginPath = DEFAULT_LOGIN_PATH, ...handoff } = options;
  try {
    return `${loginPath}?next=${encodeURIComponent(signHandoff(returnTo, secret, handoff))}`;
  } catch {
    return loginPath;
  }
}
