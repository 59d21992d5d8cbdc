// Setting up second factors: the authenticator-app enrollment page and the recovery codes shown once.
import { html, type SafeHtml } from '@authflow/html';
import { AUTH_PATHS } from './auth-paths.js';
import {
  hasText,
  renderFormAlert,
  renderHiddenField,
  renderNotice,
  renderPostForm,
  renderSubmitButton,
} from './forms.js';
import { renderLayout } from './layout.js';
import { renderCodeField } from './mfa-fields.js';
import type { PageContext } from './page-context.js';

export interface TotpEnrollmentView {
  /** The pending factor the first code confirms. */
  readonly factorId: string;
  /** The name the user gave the factor. */
  readonly label: string;
  /** Base32 secret, shown for typing in by hand. */
  readonly secret: string;
  /** The `otpauth://totp/...` URI; anything else is not linked. */
  readonly uri: string;
  /**
   * The QR code of `uri` as inline SVG. `SafeHtml` so the caller states the trust decision:
   * `trustedHtml(await QRCode.toString(uri, { type: 'svg' }))`, markup made by the `qrcode`
   * library on the server from a URI we built, never from request input. It names itself to
   * assistive technology (`role="img"`, `aria-label`); the page adds no wrapper role.
   */
  readonly qrSvg: SafeHtml;
  /** After a wrong first code. */
  readonly error?: string | undefined;
}

export interface RecoveryCodesView {
  readonly codes: readonly string[];
  /** `enrolled`: right after a first second factor; `regenerated`: a new set replaced the old one. */
  readonly reason: 'enrolled' | 'regenerated';
  /** Where "continue" leads: a root-relative path (anything else becomes the security page). */
  readonly continueHref?: string | undefined;
}

/** `JBSW Y3DP EHPK 3PXP`: groups of four are easier to read out and type. */
export function groupSecret(secret: string): string {
  return (secret.replace(/\s+/gu, '').match(/.{1,4}/gu) ?? []).join(' ');
}

function renderAppLink(uri: string): SafeHtml | false {
  // Only the scheme an authenticator app registers; the value is ours, but an href deserves the check.
  return (
    uri.startsWith('otpauth://totp/') &&
    html`<p><a href="${uri}">Open in an authenticator app on this device</a></p>`
  );
}

function renderConfirmForm(context: PageContext, view: TotpEnrollmentView): SafeHtml {
  return renderPostForm({
    action: AUTH_PATHS.totpConfirm,
    csrfToken: context.csrfToken,
    content: [
      renderHiddenField('factor_id', view.factorId),
      renderCodeField({
        name: 'code',
        label: 'Code from your authenticator app',
        kind: 'numeric',
        hint: 'The 6-digit code the app shows now: it proves the app is set up right.',
        describedBy: hasText(view.error) ? ['form-error'] : [],
        invalid: hasText(view.error),
        autofocus: true,
      }),
      renderSubmitButton('Turn on'),
    ],
  });
}

/**
 * Scan (or type), then prove it with a first code: the factor stays pending, and useless for
 * signing in, until that code arrives. The page shows a secret, so its reply must not be cached.
 */
export function renderTotpEnrollmentPage(context: PageContext, view: TotpEnrollmentView): string {
  return renderLayout(context.branding, {
    title: 'Set up your authenticator app',
    content: html`${renderFormAlert(view.error)}
      <p>Setting up <strong>${view.label}</strong> for ${context.branding.appName}.</p>
      <ol class="steps">
        <li>
          <p>
            Scan this QR code with an authenticator app (for example Google Authenticator, Microsoft
            Authenticator, 1Password or Aegis).
          </p>
          <div class="qr-code">${view.qrSvg}</div>
          <p>Cannot scan it? Enter this key in the app instead (time-based):</p>
          <p><code class="secret">${groupSecret(view.secret)}</code></p>
          ${renderAppLink(view.uri)}
        </li>
        <li>
          <p>Enter the code the app shows for ${context.branding.appName}.</p>
          ${renderConfirmForm(context, view)}
        </li>
      </ol>
      <p><a href="${AUTH_PATHS.security}">Cancel and go back to your security settings</a></p>`,
  });
}

/** Root-relative and not protocol-relative, or the security page. */
function continueTarget(href: string | undefined): string {
  if (
    href === undefined ||
    !href.startsWith('/') ||
    href.startsWith('//') ||
    href.startsWith('/\\')
  ) {
    return AUTH_PATHS.security;
  }
  return href;
}

/** The text file the download link holds: the codes, one a line, with what they are. */
export function recoveryCodesText(appName: string, codes: readonly string[]): string {
  return [
    `${appName} recovery codes`,
    'Each code works once. Keep them somewhere safe.',
    '',
    ...codes,
    '',
  ].join('\n');
}

function downloadName(appName: string): string {
  const slug = appName
    .toLowerCase()
    .replace(/[^a-z0-9]+/gu, '-')
    .replace(/^-|-$/gu, '');
  return `${slug === '' ? 'account' : slug}-recovery-codes.txt`;
}

const REASONS = {
  enrolled: 'Your second factor is on. If you ever lose it, one of these codes gets you in.',
  regenerated: 'Here is your new set of recovery codes. The old ones no longer work.',
} as const;

/**
 * The codes, shown once: they are stored hashed, so this page cannot be shown again. The
 * download is a data: URL, so the codes never travel in another request.
 */
export function renderRecoveryCodesPage(context: PageContext, view: RecoveryCodesView): string {
  const { appName } = context.branding;
  const file = `data:text/plain;charset=utf-8,${encodeURIComponent(recoveryCodesText(appName, view.codes))}`;
  return renderLayout(context.branding, {
    title: 'Save your recovery codes',
    content: html`${renderNotice(REASONS[view.reason])}
      <div class="alert alert-warning">
        <p>
          <strong>These codes will not be shown again.</strong> Save them now: print them, or keep
          them in a password manager.
        </p>
      </div>
      <p>Each code works once, in place of a code from your second factor.</p>
      <ol class="recovery-codes" aria-label="Your recovery codes">
        ${view.codes.map((code) => html`<li><code>${code}</code></li>`)}
      </ol>
      <div class="actions">
        <a class="button button-secondary" href="${file}" download="${downloadName(appName)}"
          >Download as a text file</a
        >
        <a class="button button-primary" href="${continueTarget(view.continueHref)}"
          >I have saved my codes, continue</a
        >
      </div>`,
  });
}
