// The security settings page (/auth/security): authenticator apps, email codes, recovery codes,
// trusted devices and, where AuthFlow keeps the links, sign-in providers.
import { html, type SafeHtml } from '@authflow/html';
import type { FactorSummary } from '../mfa/mfa-ports.js';
import { AUTH_PATHS } from './auth-paths.js';
import { renderIdentitiesSection, type SignInProvidersView } from './identities-section.js';
import { renderHiddenField, renderNotice, renderPostForm, renderSubmitButton } from './forms.js';
import { renderLayout } from './layout.js';
import { renderNameField } from './mfa-fields.js';
import type { PageContext } from './page-context.js';
import {
  renderInstant,
  renderSectionAlert,
  sectionErrorId,
  sectionMessage,
  type SectionError,
} from './security-parts.js';
import {
  renderTrustedDevicesSection,
  type TrustedDevicesInput,
} from './trusted-devices-section.js';

export interface SecurityView extends TrustedDevicesInput {
  /** The account's address: where email codes go. */
  readonly email: string;
  /** The user's TOTP factors, active and pending, oldest first. */
  readonly totpFactors: readonly FactorSummary[];
  /** The email factor when it is on, else `null`. */
  readonly emailFactor: FactorSummary | null;
  readonly recoveryCodesLeft: number;
  /** What was just done: "Recovery code used", "Authenticator app removed". */
  readonly notice?: string | undefined;
  /** A refusal, shown in the section it is about. */
  readonly error?: SectionError | undefined;
  /** Prefilled name of the next authenticator app ("Authenticator app" when not given). */
  readonly newFactorLabel?: string | undefined;
  /** Linked identities and configured providers; absent, the section is not shown. */
  readonly signInProviders?: SignInProvidersView | undefined;
}

/** Recovery codes left at or below which the page suggests a new set. */
export const FEW_RECOVERY_CODES = 2;

export function hasActiveFactor(view: Pick<SecurityView, 'totpFactors' | 'emailFactor'>): boolean {
  return view.emailFactor !== null || view.totpFactors.some((factor) => factor.status === 'active');
}

function renderFactorItem(context: PageContext, factor: FactorSummary): SafeHtml {
  // The visible text repeats on every row; the accessible name says which factor goes.
  return html`<li class="factor">
    <div>
      <strong>${factor.label}</strong
      >${factor.status === 'pending' && html` <span class="badge">Setup not finished</span>`}
      <p class="muted">
        Added ${renderInstant(factor.createdAt)} · Last used
        ${renderInstant(factor.lastUsedAt, 'never')}
      </p>
    </div>
    ${renderPostForm({
      action: AUTH_PATHS.totpRemove,
      csrfToken: context.csrfToken,
      className: 'form-inline',
      content: html`${renderHiddenField('factor_id', factor.id)}
        <button
          type="submit"
          class="button button-secondary button-small"
          aria-label="Remove ${factor.label}"
        >
          Remove
        </button>`,
    })}
  </li>`;
}

function renderTotpSection(context: PageContext, view: SecurityView): SafeHtml {
  const invalid = sectionMessage(view.error, 'totp') !== undefined;
  return html`<section class="settings-section" aria-labelledby="totp-heading">
    <h2 id="totp-heading">Authenticator app</h2>
    <p>
      An app on your phone shows a new 6-digit code every 30 seconds; you enter it after your
      password.
    </p>
    ${renderSectionAlert(view.error, 'totp')}
    ${
      view.totpFactors.length > 0
        ? html`<ul class="plain-list factor-list">
            ${view.totpFactors.map((factor) => renderFactorItem(context, factor))}
          </ul>`
        : html`<p class="muted">No authenticator app is set up.</p>`
    }
    ${renderPostForm({
      action: AUTH_PATHS.totpEnroll,
      csrfToken: context.csrfToken,
      content: [
        renderNameField({
          name: 'label',
          label: 'Name for the new authenticator app',
          hint: 'So you can tell your apps apart, e.g. "Work phone".',
          value: view.newFactorLabel ?? 'Authenticator app',
          describedBy: invalid ? [sectionErrorId('totp')] : [],
          invalid,
        }),
        renderSubmitButton('Set up an authenticator app', 'secondary'),
      ],
    })}
  </section>`;
}

function renderEmailSection(context: PageContext, view: SecurityView): SafeHtml {
  const factor = view.emailFactor;
  const on = factor !== null;
  return html`<section class="settings-section" aria-labelledby="email-heading">
    <h2 id="email-heading">Email codes</h2>
    <p>
      A 6-digit code is sent to <strong>${factor?.label ?? view.email}</strong> when you sign in.
      Handy without a phone, but anyone who can read your email can use it.
    </p>
    ${renderSectionAlert(view.error, 'email')}
    <p>
      Email codes are
      <strong>${on ? 'on' : 'off'}</strong
      >.${factor !== null && html` Last used ${renderInstant(factor.lastUsedAt, 'never')}.`}
    </p>
    ${renderPostForm({
      action: AUTH_PATHS.emailFactor,
      csrfToken: context.csrfToken,
      className: 'form-inline',
      content: [
        renderHiddenField('enabled', on ? 'false' : 'true'),
        renderSubmitButton(on ? 'Turn off email codes' : 'Turn on email codes', 'secondary'),
      ],
    })}
  </section>`;
}

function recoveryCount(left: number): string {
  if (left === 0) return 'You have no recovery codes left.';
  return `You have ${left} recovery ${left === 1 ? 'code' : 'codes'} left.`;
}

function renderRecoverySection(context: PageContext, view: SecurityView): SafeHtml {
  const left = view.recoveryCodesLeft;
  const usable = hasActiveFactor(view) || left > 0;
  return html`<section class="settings-section" aria-labelledby="recovery-heading">
    <h2 id="recovery-heading">Recovery codes</h2>
    <p>If you lose your second factor, one of these single-use codes lets you sign in.</p>
    ${renderSectionAlert(view.error, 'recovery')}
    ${
      usable
        ? html`<p>
              <strong>${recoveryCount(left)}</strong
              >${left <= FEW_RECOVERY_CODES && ' Make a new set before you run out.'}
            </p>
            ${renderPostForm({
              action: AUTH_PATHS.regenerateRecoveryCodes,
              csrfToken: context.csrfToken,
              className: 'form-inline',
              content: renderSubmitButton('Make new recovery codes', 'secondary'),
            })}
            <p class="hint">The codes you have now stop working when you make new ones.</p>`
        : html`<p class="muted">Recovery codes are made when you add a second factor.</p>`
    }
  </section>`;
}

/** Every part of the account's second factors, each section with its own forms and alert. */
export function renderSecurityPage(context: PageContext, view: SecurityView): string {
  return renderLayout(context.branding, {
    title: 'Security settings',
    width: 'wide',
    content: html`${renderNotice(view.notice)}
      ${
        !hasActiveFactor(view) &&
        html`<div class="alert alert-warning">
          <p>
            Your account is protected by your password alone. Add a second factor, so a stolen
            password is not enough to sign in.
          </p>
        </div>`
      }
      <p>
        Signed in as <strong>${view.email}</strong>.
        <a href="${AUTH_PATHS.sessions}">See where you are signed in</a> ·
        <a href="${AUTH_PATHS.account}">Your account</a>
      </p>
      ${renderTotpSection(context, view)} ${renderEmailSection(context, view)}
      ${renderRecoverySection(context, view)} ${renderTrustedDevicesSection(context, view)}
      ${renderIdentitiesSection(context, view.signInProviders)}`,
  });
}
