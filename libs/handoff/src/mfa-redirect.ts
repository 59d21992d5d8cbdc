// The step-up URL that brings a browser back: `/auth/mfa?next=<signed handoff>`.
import type { HandoffOptions } from './handoff.js';
import { handoffRedirect } from './handoff-redirect.js';

/** Where the auth service serves its second-factor challenge (issue 15). */
export const DEFAULT_MFA_PATH = '/auth/mfa';

export interface MfaRedirectOptions extends HandoffOptions {
  /** The challenge page; `DEFAULT_MFA_PATH` unless configured otherwise (GATEWAY_MFA_PATH). */
  readonly mfaPath?: string;
}

/**
 * The challenge page with `next` set to a signed, five-minute handoff to `returnTo`, for a
 * signed-in browser whose session is short of the assurance a route requires; the bare page
 * when `returnTo` leaves the origin.
 */
export function mfaRedirect(
  returnTo: string,
  secret: string,
  options: MfaRedirectOptions = {},
): string {
  const { mfaPath = DEFAULT_MFA_PATH, ...handoff } = options;
  return handoffRedirect(mfaPath, returnTo, secret, handoff);
}
