// The one way to send a browser to an auth page and back: `<page>?next=<signed handoff>`.
import { type HandoffOptions, signHandoff } from './handoff.js';

/**
 * `pagePath` with `next` set to a signed, five-minute handoff to `returnTo`. A path that leaves
 * the origin is never signed: the bare page is returned instead, so a hostile request URL costs
 * the user their return trip, not a redirect off the site.
 */
export function handoffRedirect(
  pagePath: string,
  returnTo: string,
  secret: string,
  options: HandoffOptions = {},
): string {
  try {
    return `${pagePath}?next=${encodeURIComponent(signHandoff(returnTo, secret, options))}`;
  } catch {
    return pagePath;
  }
}
