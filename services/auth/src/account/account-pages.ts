// The account page and the pages around it: new password, new address, download, deletion.
import {
  html,
  PASSWORD_HINT,
  PASSWORD_MIN_LENGTH,
  type PageContext,
  type SafeHtml,
} from '../pages/index.js';
import {
  hasText,
  renderFormAlert,
  renderHiddenField,
  renderNotice,
  renderPostForm,
  renderSubmitButton,
} from '../pages/forms.js';
import { renderLayout } from '../pages/layout.js';

export const ACCOUNT_PATHS = {
  account: '/auth/account',
  changePassword: '/auth/account/password',
  changeEmail: '/auth/account/email',
  confirmEmail: '/auth/account/email/confirm',
  exportData: '/auth/account/export',
  deleteAccount: '/auth/account/delete',
  sessions: '/auth/sessions',
  logout: '/auth/logout',
  login: '/auth/login',
} as const;

/** Which form a message belongs to: the page has several, each with its own alert. */
export type AccountForm = 'password' | 'email' | 'delete';

export interface AccountView {
  readonly email: string;
  readonly notice?: string | undefined;
  readonly error?: { readonly form: AccountForm; readonly message: string } | undefined;
  /** What was typed in the new-address field, shown again after a refusal. */
  readonly newEmail?: string | undefined;
}

interface FieldSpec {
  /** Unique on the page: the element id and the form field name. */
  readonly name: string;
  readonly label: string;
  readonly type: 'email' | 'password';
  readonly autocomplete: 'email' | 'current-password' | 'new-password';
  readonly value?: string | undefined;
  readonly hint?: string;
  readonly describedBy?: string | undefined;
  readonly minLength?: number;
}

/** A labelled input; the form's alert, when shown, is tied to it with aria-describedby. */
function renderInput(field: FieldSpec): SafeHtml {
  const hintId = `${field.name}-hint`;
  const describedBy = [field.describedBy, field.hint === undefined ? undefined : hintId]
    .filter((id) => id !== undefined)
    .join(' ');
  return html` <div class="field">
    <label for="${field.name}">${field.label}</label>
    ${field.hint !== undefined && html`<p class="hint" id="${hintId}">${field.hint}</p>`}
    <input
      id="${field.name}"
      name="${field.name}"
      type="${field.type}"
      autocomplete="${field.autocomplete}"
      required${field.value !== undefined && html` value="${field.value}"`}${field.minLength !== undefined && html` minlength="${field.minLength}"`}${describedBy !== '' && html` aria-describedby="${describedBy}"`}
    />
  </div>`;
}

function formError(view: AccountView, form: AccountForm): string | undefined {
  return view.error?.form === form ? view.error.message : undefined;
}

/** The alert of one form: an id to point at, announced when the page loads with it. */
function renderAlert(id: string, message: string | undefined): SafeHtml | false {
  return (
    hasText(message) &&
    html`<div class="alert alert-error" id="${id}" role="alert"><p>${message}</p></div>`
  );
}

function renderPasswordSection(context: PageContext, view: AccountView): SafeHtml {
  const error = formError(view, 'password');
  const alertId = hasText(error) ? 'password-form-error' : undefined;
  return html`<section aria-labelledby="password-heading">
    <h2 id="password-heading">Change your password</h2>
    ${renderAlert('password-form-error', error)}
    ${renderPostForm({
      action: ACCOUNT_PATHS.changePassword,
      csrfToken: context.csrfToken,
      content: [
        renderInput({
          name: 'current_password',
          label: 'Current password',
          type: 'password',
          autocomplete: 'current-password',
          describedBy: alertId,
        }),
        renderInput({
          name: 'new_password',
          label: 'New password',
          type: 'password',
          autocomplete: 'new-password',
          hint: PASSWORD_HINT,
          minLength: PASSWORD_MIN_LENGTH,
          describedBy: alertId,
        }),
        html`<label
          ><input type="checkbox" name="sign_out_others" checked /> Sign out my other
          sessions</label
        >`,
        renderSubmitButton('Change password'),
      ],
    })}
  </section>`;
}

function renderEmailSection(context: PageContext, view: AccountView): SafeHtml {
  const error = formError(view, 'email');
  const alertId = hasText(error) ? 'email-form-error' : undefined;
  return html`<section aria-labelledby="email-heading">
    <h2 id="email-heading">Change your email address</h2>
    <p>
      We send a link to the new address, and tell the current one. The address changes when the link
      is followed; then every session signs out.
    </p>
    ${renderAlert('email-form-error', error)}
    ${renderPostForm({
      action: ACCOUNT_PATHS.changeEmail,
      csrfToken: context.csrfToken,
      content: [
        renderInput({
          name: 'new_email',
          label: 'New email address',
          type: 'email',
          autocomplete: 'email',
          value: view.newEmail,
          describedBy: alertId,
        }),
        renderInput({
          name: 'email_current_password',
          label: 'Current password',
          type: 'password',
          autocomplete: 'current-password',
          describedBy: alertId,
        }),
        renderSubmitButton('Send confirmation link'),
      ],
    })}
  </section>`;
}

function renderDataSection(): SafeHtml {
  return html`<section aria-labelledby="data-heading">
    <h2 id="data-heading">Your data</h2>
    <p>
      A JSON file with your profile, your sessions and the devices they were opened on.
      <a href="${ACCOUNT_PATHS.exportData}" download>Download my data</a>
    </p>
  </section>`;
}

function renderDeleteSection(context: PageContext, view: AccountView): SafeHtml {
  const error = formError(view, 'delete');
  return html`<section aria-labelledby="delete-heading">
    <h2 id="delete-heading">Delete your account</h2>
    <p>
      This cannot be undone: your account and every session end, and you will no longer be able to
      sign in.
    </p>
    ${renderAlert('delete-form-error', error)}
    ${renderPostForm({
      action: ACCOUNT_PATHS.deleteAccount,
      csrfToken: context.csrfToken,
      content: [
        renderInput({
          name: 'delete_password',
          label: 'Your password',
          type: 'password',
          autocomplete: 'current-password',
          describedBy: hasText(error) ? 'delete-form-error' : undefined,
        }),
        html`<label
          ><input type="checkbox" name="confirm" required /> I understand that my account is deleted
          for good</label
        >`,
        renderSubmitButton('Delete my account', 'secondary'),
      ],
    })}
  </section>`;
}

export function renderAccountPage(context: PageContext, view: AccountView): string {
  return renderLayout(context.branding, {
    title: 'Your account',
    content: html`${renderNotice(view.notice)}
      <p>
        Signed in as <strong>${view.email}</strong>.
        <a href="${ACCOUNT_PATHS.sessions}">See where you are signed in</a>.
      </p>
      ${renderPasswordSection(context, view)} ${renderEmailSection(context, view)}
      ${renderDataSection()} ${renderDeleteSection(context, view)}`,
  });
}

/**
 * The link from the mail opens this page, and only its button changes the address: mail
 * scanners that fetch links must not use up (or act on) the token.
 */
export function renderConfirmEmailPage(
  context: PageContext,
  view: { readonly token: string; readonly error?: string | undefined },
): string {
  return renderLayout(context.branding, {
    title: 'Confirm your new email address',
    content: html`${renderFormAlert(view.error)}
      <p>Use this address for your account from now on? Every session then signs out.</p>
      ${renderPostForm({
        action: ACCOUNT_PATHS.confirmEmail,
        csrfToken: context.csrfToken,
        content: [
          renderHiddenField('token', view.token),
          renderSubmitButton('Confirm new address'),
        ],
      })}`,
  });
}

export function renderEmailChangedPage(
  context: PageContext,
  view: { readonly status: 'changed' | 'pending'; readonly email?: string | undefined },
): string {
  if (view.status === 'pending') {
    return renderLayout(context.branding, {
      title: 'One more link',
      content: html`<p>
        This address is confirmed. Now follow the link we sent to the other address: the change
        needs both.
      </p>`,
    });
  }
  return renderLayout(context.branding, {
    title: 'Email address changed',
    content: html`<p>
        Your account now uses <strong>${view.email ?? ''}</strong>. Every session was signed out.
      </p>
      <p><a href="${ACCOUNT_PATHS.login}">Sign in with your new address</a></p>`,
  });
}

export function renderAccountDeletedPage(context: PageContext): string {
  return renderLayout(context.branding, {
    title: 'Account deleted',
    content: html`<p>
        Your account was deleted and every session signed out. We sent a last message to its
        address.
      </p>
      <p>Thank you for having used ${context.branding.appName}.</p>`,
  });
}
