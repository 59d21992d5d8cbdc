// Pages for creating an account: the signup form, "check your email", and the verification result.
import { html } from '@authflow/html';
import { AUTH_PATHS, withNext } from './auth-paths.js';
import {
  PASSWORD_HINT,
  PASSWORD_MIN_LENGTH,
  chooseAutofocus,
  hasText,
  renderField,
  renderFormAlert,
  renderHiddenField,
  renderPostForm,
  renderSubmitButton,
} from './forms.js';
import { renderLayout } from './layout.js';
import type { FieldErrors, PageContext } from './page-context.js';

export interface SignupView {
  readonly email?: string;
  readonly next?: string;
  readonly errors?: FieldErrors;
}

export interface CheckEmailView {
  readonly email: string;
}

export interface EmailVerifiedView {
  readonly ok: boolean;
}

export function renderSignupPage(context: PageContext, view: SignupView): string {
  const { errors } = view;
  const autofocus = chooseAutofocus(['email', 'password'], errors);
  const form = renderPostForm({
    action: AUTH_PATHS.signup,
    csrfToken: context.csrfToken,
    content: [
      hasText(view.next) && renderHiddenField('next', view.next),
      renderField({
        name: 'email',
        label: 'Email address',
        type: 'email',
        autocomplete: 'email',
        value: view.email,
        error: errors?.email,
        autofocus: autofocus === 'email',
      }),
      renderField({
        name: 'password',
        label: 'Password',
        type: 'password',
        autocomplete: 'new-password',
        hint: PASSWORD_HINT,
        minLength: PASSWORD_MIN_LENGTH,
        error: errors?.password,
        autofocus: autofocus === 'password',
      }),
      renderSubmitButton('Create account'),
    ],
  });
  return renderLayout(context.branding, {
    title: 'Create an account',
    content: html`${renderFormAlert(errors?.form)}${form}
      <p>
        Already have an account? <a href="${withNext(AUTH_PATHS.login, view.next)}">Sign in</a>
      </p>`,
  });
}

/** Worded the same whether or not the address already had an account, so it reveals neither. */
export function renderCheckEmailPage(context: PageContext, view: CheckEmailView): string {
  return renderLayout(context.branding, {
    title: 'Check your email',
    content: html` <p>
        If <strong>${view.email}</strong> can be used, we sent a link to it. Open the link in that
        message to continue.
      </p>
      <p class="muted">
        Nothing arrived after a few minutes? Check your spam folder, or
        <a href="${AUTH_PATHS.signup}">sign up again</a>.
      </p>`,
  });
}

export function renderEmailVerifiedPage(context: PageContext, view: EmailVerifiedView): string {
  if (view.ok) {
    return renderLayout(context.branding, {
      title: 'Email verified',
      content: html` <p>Your email address is verified. You can now sign in.</p>
        <p><a class="button button-primary" href="${AUTH_PATHS.login}">Sign in</a></p>`,
    });
  }
  return renderLayout(context.branding, {
    title: 'Link invalid or expired',
    content: html` <p>This link is invalid or has expired.</p>
      <p>
        If you already verified your address, <a href="${AUTH_PATHS.login}">sign in</a>. Otherwise
        <a href="${AUTH_PATHS.signup}">sign up again</a> to get a new link.
      </p>`,
  });
}
