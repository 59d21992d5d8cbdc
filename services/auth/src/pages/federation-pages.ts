// Sign-in with an outside provider: the login page's buttons, the mailed-link confirmation, and
// the pages between (a confirmation was mailed, an identity was linked).
import { html, type SafeHtml, trustedHtml } from '@authflow/html';
import { renderHiddenField, renderNotice, renderPostForm, renderSubmitButton } from './forms.js';
import { renderLayout } from './layout.js';
import type { PageContext } from './page-context.js';

export interface ProviderButtonView {
  readonly id: string;
  readonly name: string;
  readonly icon: string;
  readonly available: boolean;
}

/** Where a provider's flow starts (GET, so it works as a plain link). */
export function ssoStartPath(id: string, next?: string): string {
  const path = `/auth/sso/${encodeURIComponent(id)}`;
  return next !== undefined && next !== '' ? `${path}?next=${encodeURIComponent(next)}` : path;
}

/** Where the provider sends the browser back: the redirect URI registered with it. */
export function ssoCallbackPath(id: string): string {
  return `/auth/sso/${encodeURIComponent(id)}/callback`;
}

/** POST: start linking this provider to the signed-in account. */
export function ssoLinkPath(id: string): string {
  return `/auth/sso/${encodeURIComponent(id)}/link`;
}

/** POST: remove this provider's identity from the signed-in account. */
export function ssoUnlinkPath(id: string): string {
  return `/auth/sso/${encodeURIComponent(id)}/unlink`;
}

export const SSO_PATHS = {
  /** GET: the mailed confirmation's page; POST: confirm it (`token`). */
  link: '/auth/sso/link',
} as const;

/**
 * Small marks drawn inline (a sign-in page loads nothing from elsewhere): decorative, the
 * button's text names the provider.
 */
const ICONS: Readonly<Record<string, string>> = {
  generic:
    '<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false"><circle cx="8" cy="12" r="4" fill="none" stroke="currentColor" stroke-width="2"/><path d="M12 12h9v3M18 12v3" fill="none" stroke="currentColor" stroke-width="2"/></svg>',
  google:
    '<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false"><path d="M21.6 12.2c0-.7-.1-1.4-.2-2H12v3.8h5.4a4.6 4.6 0 0 1-2 3v2.5h3.2c1.9-1.7 3-4.3 3-7.3z" fill="#4285F4"/><path d="M12 22c2.7 0 5-.9 6.6-2.4l-3.2-2.5c-.9.6-2 1-3.4 1-2.6 0-4.8-1.8-5.6-4.1H3.1v2.6A10 10 0 0 0 12 22z" fill="#34A853"/><path d="M6.4 14c-.2-.6-.3-1.3-.3-2s.1-1.4.3-2V7.4H3.1a10 10 0 0 0 0 9.2L6.4 14z" fill="#FBBC05"/><path d="M12 5.9c1.5 0 2.8.5 3.8 1.5l2.9-2.9A10 10 0 0 0 3.1 7.4L6.4 10c.8-2.3 3-4.1 5.6-4.1z" fill="#EA4335"/></svg>',
  microsoft:
    '<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false"><rect x="2" y="2" width="9.5" height="9.5" fill="#F25022"/><rect x="12.5" y="2" width="9.5" height="9.5" fill="#7FBA00"/><rect x="2" y="12.5" width="9.5" height="9.5" fill="#00A4EF"/><rect x="12.5" y="12.5" width="9.5" height="9.5" fill="#FFB900"/></svg>',
  okta: '<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false"><circle cx="12" cy="12" r="7" fill="none" stroke="#007DC1" stroke-width="4"/></svg>',
  keycloak:
    '<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false"><path d="M7 3h10l5 9-5 9H7l-5-9z" fill="#4D4D4D"/><path d="M10 7l-3 5 3 5M14 7l3 5-3 5" fill="none" stroke="#00B8E3" stroke-width="2"/></svg>',
  github:
    '<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false"><circle cx="12" cy="12" r="10" fill="currentColor"/><path d="M9 19v-2.5c-2.5.5-3-1-3.2-1.6-.3-.6-.8-1-1.2-1.2M15 19v-3c0-.8-.3-1.4-.7-1.7 2.3-.3 4.2-1.2 4.2-4.8 0-1-.4-1.9-1-2.6.1-.3.4-1.3-.1-2.6 0 0-.8-.3-2.7 1a9 9 0 0 0-5 0C6.8 3 6 3.3 6 3.3c-.5 1.3-.2 2.3-.1 2.6-.6.7-1 1.6-1 2.6" fill="none" stroke="var(--background, #fff)" stroke-width="1.5" stroke-linecap="round"/></svg>',
};

/** One button per provider, in configuration order; an unavailable one says why. */
export function renderProviderButtons(
  providers: readonly ProviderButtonView[],
  next: string | undefined,
): SafeHtml | false {
  if (providers.length === 0) return false;
  return html`<ul class="providers" aria-label="Sign in with">
    ${providers.map(
      (provider) =>
        html`<li>
          ${
            provider.available
              ? html`<a
                  class="button button-secondary provider"
                  href="${ssoStartPath(provider.id, next)}"
                  >${trustedHtml(ICONS[provider.icon] ?? ICONS.generic ?? '')}<span
                    >Sign in with ${provider.name}</span
                  ></a
                >`
              : html`<span
                    class="button button-secondary provider provider-unavailable"
                    aria-disabled="true"
                    >${trustedHtml(ICONS[provider.icon] ?? ICONS.generic ?? '')}<span
                      >Sign in with ${provider.name}</span
                    ></span
                  >
                  <p class="muted">
                    ${provider.name} cannot be reached right now. Try again soon.
                  </p>`
          }
        </li>`,
    )}
  </ul>`;
}

/** The mailed link's landing page: a button posts the token (a mail scanner's GET links nothing). */
export function renderLinkConfirmPage(
  context: PageContext,
  view: { readonly token: string },
): string {
  return renderLayout(context.branding, {
    title: 'Link a sign-in provider',
    content: html`<p>
        Let this provider open your ${context.branding.appName} account from now on? Only confirm if
        you just signed in with it yourself.
      </p>
      ${renderPostForm({
        action: SSO_PATHS.link,
        csrfToken: context.csrfToken,
        content: [renderHiddenField('token', view.token), renderSubmitButton('Link it')],
      })}
      <p><a href="/auth/login">Not me: go to the sign-in page</a></p>`,
  });
}

/** After a first sign-in whose address has an account: what happens next. */
export function renderLinkMailSentPage(
  context: PageContext,
  view: { readonly providerName: string },
): string {
  return renderLayout(context.branding, {
    title: 'Check your email',
    content: html`${renderNotice(
        `An account with this address exists already. We sent it a link to confirm that ${view.providerName} may open it.`,
      )}
      <p>
        Follow the link in that mail, then sign in with ${view.providerName} again. Until then, you
        can sign in with your password.
      </p>
      <p><a href="/auth/login">Go to the sign-in page</a></p>`,
  });
}

/** After the mailed link was confirmed. */
export function renderLinkedPage(
  context: PageContext,
  view: { readonly providerName: string },
): string {
  return renderLayout(context.branding, {
    title: 'Provider linked',
    content: html`${renderNotice(`${view.providerName} now opens your account.`)}
      <p><a href="/auth/login">Sign in</a></p>`,
  });
}
