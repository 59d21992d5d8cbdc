// The sign-in providers of the security page: outside identities that open the account, each
// unlinkable, and a link button for every configured provider not linked yet.
import { html, type SafeHtml } from '@authflow/html';
import { type ProviderButtonView, ssoLinkPath, ssoUnlinkPath } from './federation-pages.js';
import { renderPostForm, renderSubmitButton } from './forms.js';
import type { PageContext } from './page-context.js';
import { renderInstant } from './security-parts.js';

/** What the page shows of a linked identity (one from `FederationFlows.identities` fits). */
export interface LinkedIdentityView {
  /** The provider's id in the providers file. */
  readonly provider: string;
  /** Its display name (the id when the provider is no longer configured). */
  readonly providerName: string;
  /** The address the provider gave, if any. */
  readonly email: string | null;
  readonly createdAt: Date;
  readonly lastSignInAt: Date | null;
}

/** Present only where AuthFlow keeps the links itself (built-in store). */
export interface SignInProvidersView {
  readonly identities: readonly LinkedIdentityView[];
  /** Every configured provider, in configuration order: those not linked get a link button. */
  readonly providers: readonly ProviderButtonView[];
}

function renderIdentityItem(context: PageContext, identity: LinkedIdentityView): SafeHtml {
  // The visible text repeats on every row; the accessible name says which provider goes.
  return html`<li class="factor">
    <div>
      <strong>${identity.providerName}</strong>
      ${identity.email !== null && html`<p>${identity.email}</p>`}
      <p class="muted">
        Linked ${renderInstant(identity.createdAt.getTime())} · Last used
        ${renderInstant(identity.lastSignInAt?.getTime() ?? null, 'never')}
      </p>
    </div>
    ${renderPostForm({
      action: ssoUnlinkPath(identity.provider),
      csrfToken: context.csrfToken,
      className: 'form-inline',
      content: html`<button
        type="submit"
        class="button button-secondary button-small"
        aria-label="Unlink ${identity.providerName}"
      >
        Unlink
      </button>`,
    })}
  </li>`;
}

function renderLinkItem(context: PageContext, provider: ProviderButtonView): SafeHtml {
  if (provider.available)
    return html`<li>
      ${renderPostForm({
        action: ssoLinkPath(provider.id),
        csrfToken: context.csrfToken,
        className: 'form-inline',
        content: renderSubmitButton(`Link ${provider.name}`, 'secondary'),
      })}
    </li>`;
  // While its breaker is open the provider cannot answer: say so next to the disabled button.
  const noteId = `link-${provider.id}-unavailable`;
  return html`<li>
    <button type="button" class="button button-secondary" disabled aria-describedby="${noteId}">
      Link ${provider.name}
    </button>
    <p class="muted" id="${noteId}">
      ${provider.name} cannot be reached right now. Try again soon.
    </p>
  </li>`;
}

export function renderIdentitiesSection(
  context: PageContext,
  view: SignInProvidersView | undefined,
): SafeHtml | false {
  if (view === undefined) return false;
  const linked = new Set(view.identities.map((identity) => identity.provider));
  const unlinked = view.providers.filter((provider) => !linked.has(provider.id));
  return html`<section class="settings-section" aria-labelledby="identities-heading">
    <h2 id="identities-heading">Sign-in providers</h2>
    <p>
      Accounts elsewhere that can open this one. Your account always keeps one way to sign in, so
      the last one cannot be unlinked.
    </p>
    ${
      view.identities.length > 0
        ? html`<ul class="plain-list factor-list">
            ${view.identities.map((identity) => renderIdentityItem(context, identity))}
          </ul>`
        : html`<p class="muted">No provider is linked.</p>`
    }
    ${
      unlinked.length > 0 &&
      html`<ul class="plain-list" aria-label="Link a provider">
        ${unlinked.map((provider) => renderLinkItem(context, provider))}
      </ul>`
    }
  </section>`;
}
