// Pages for a forgotten password: request a link, confirmation, choose a new one, done.
import { html } from '@authflow/html';
import { AUTH_PATHS } from './auth-paths.js';
import {
  PASSWORD_HINT,
  PASSWORD_MIN_LENGTH,
  chooseAutofocus,
  renderField,
  renderFormAlert,
  renderHiddenField,
  renderPostForm,
  renderSubmitButton,
} from './forms.js';
import { renderLayout } from './layout.js';
import type { FieldErrors, PageContext } from './page-context.js';

export interface ForgotPasswordView {
  readonly email?: string;
  readonly errors?: FieldErrors;
}

export interface ResetPasswordView {
  /** The reset token from the emailed link, posted back with the new password. */
  readonly token: string;
  readonly errors?: FieldErrors;
}

export function renderForgotPasswordPage(context: PageContext, view: ForgotPasswordView): string {
  const { errors } = view;
  const form = renderPostForm({
    action: AUTH_PATHS.forgotPassword,
    csrfToken: context.csrfToken,
    content: [
      renderField({
        name: 'email',
        label: 'Email address',
        type: 'email',
        autocomplete: 'email',
        value: view.email,
        error: errors?.email,
        autofocus: chooseAutofocus(['email'], errors) === 'email',
      }),
      renderSubmitButton('Send reset link'),
    ],
  });
  return renderLayout(context.branding, {
    title: 'Reset your password',
    content: html` <p>
        Enter the email address of your account and we will send you a link to choose a new
        password.
      </p>
      ${renderFormAlert(errors?.form)}${form}
      <p><a href="${AUTH_PATHS.login}">Back to sign in</a></p>`,
  });
}

/** Worded the same whether or not the address has an account, so it reveals neither. */
export function renderResetRequestedPage(context: PageContext): string {
  return renderLayout(context.branding, {
    title: 'Check your email',
    content: html` <p>
        If an account exists for that address, we sent a link to reset the password.
      </p>
      <p class="muted">
        Nothing arrived after a few minutes? Check your spam folder, or
        <a href="${AUTH_PATHS.forgotPassword}">ask for another link</a>.
      </p>
      <p><a href="${AUTH_PATHS.login}">Back to sign in</a></p>`,
  });
}

export function renderResetPasswordPage(context: PageContext, view: ResetPasswordView): string {
  const { errors } = view;
  const form = renderPostForm({
    action: AUTH_PATHS.resetPassword,
    csrfToken: context.csrfToken,
    content: [
      renderHiddenField('token', view.token),
      renderField({
        name: 'password',
        label: 'New password',
        type: 'password',
        autocomplete: 'new-password',
        hint: PASSWORD_HINT,
        minLength: PASSWORD_MIN_LENGTH,
        error: errors?.password,
        autofocus: chooseAutofocus(['password'], errors) === 'password',
      }),
      renderSubmitButton('Change password'),
    ],
  });
  return renderLayout(context.branding, {
    title: 'Choose a new password',
    content: html`${renderFormAlert(errors?.form)}${form}`,
  });
}

export function renderPasswordChangedPage(context: PageContext): string {
  return renderLayout(context.branding, {
    title: 'Password changed',
    content: html` <p>
        Your password was changed, and every session on every device was signed out.
      </p>
      <p>
        <a class="button button-primary" href="${AUTH_PATHS.login}"
          >Sign in with your new password</a
        >
      </p>`,
  });
}
