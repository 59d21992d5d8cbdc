// Pages for signing in and out: the login form and the signed-out confirmation.
import { html } from '@authflow/html';
import { AUTH_PATHS, withNext } from './auth-paths.js';
import {
  hasText,
  renderField,
  renderFormAlert,
  renderHiddenField,
  renderNotice,
  renderPostForm,
  renderSubmitButton,
} from './forms.js';
import { type ProviderButtonView, renderProviderButtons } from './federation-pages.js';
import { renderLayout } from './layout.js';
import type { PageContext } from './page-context.js';

export interface LoginView {
  /** Where to go after signing in; an opaque token the routes validate, carried as is. */
  readonly next?: string;
  readonly email?: string;
  /** About the form as a whole: wrong credentials, rate limited. */
  readonly error?: string;
  /** Neutral information, e.g. "Your email is verified. Sign in." */
  readonly notice?: string;
  /** Outside identity providers, one button each (configuration order). */
  readonly providers?: readonly ProviderButtonView[];
  /** False when AUTH_LOGIN_METHODS hides passwords (SSO-only): no form, no sign-up link. */
  readonly passwords?: boolean;
}

/** The login form has no field errors (they would tell which part was wrong), only `error`. */
export function renderLoginPage(context: PageContext, view: LoginView): string {
  const form = renderPostForm({
    action: AUTH_PATHS.login,
    csrfToken: context.csrfToken,
    content: [
      hasText(view.next) && renderHiddenField('next', view.next),
      renderField({
        name: 'email',
        label: 'Email address',
        type: 'email',
        autocomplete: 'username',
        value: view.email,
        autofocus: true,
      }),
      renderField({
        name: 'password',
        label: 'Password',
        type: 'password',
        autocomplete: 'current-password',
      }),
      renderSubmitButton('Sign in'),
    ],
  });
  const buttons = renderProviderButtons(view.providers ?? [], view.next);
  if (view.passwords === false)
    return renderLayout(context.branding, {
      title: 'Sign in',
      content: html`${renderNotice(view.notice)}${renderFormAlert(view.error)}${buttons}`,
    });
  return renderLayout(context.branding, {
    title: 'Sign in',
    content: html`${renderNotice(view.notice)}${renderFormAlert(view.error)}${form}
      ${
        buttons === false
          ? ''
          : html`<p class="divider"><span>or</span></p>
              ${buttons}`
      }
      <p><a href="${AUTH_PATHS.forgotPassword}">Forgot your password?</a></p>
      <p>New here? <a href="${withNext(AUTH_PATHS.signup, view.next)}">Create an account</a></p>`,
  });
}

/**
 * "Sign out?" — reached by a plain link (e.g. from an app behind the gateway), which cannot
 * carry a CSRF token; the button posts the real, token-carrying form.
 */
/**
 * `next`: a signed handoff to sign in again afterwards ("sign in as someone else", from the
 * gateway's 403 page): the form carries it, and the sign-in page follows it after.
 */
export function renderLogoutPage(context: PageContext, view: { next?: string } = {}): string {
  const switching = view.next !== undefined;
  return renderLayout(context.branding, {
    title: 'Sign out',
    content: html` <p>
        ${
          switching
            ? html`Sign out of ${context.branding.appName} on this device, then sign in as someone
              else?`
            : html`Sign out of ${context.branding.appName} on this device?`
        }
      </p>
      ${renderPostForm({
        action: AUTH_PATHS.logout,
        csrfToken: context.csrfToken,
        content: html`${switching && renderHiddenField('next', view.next ?? '')}${renderSubmitButton(
          switching ? 'Sign out and switch account' : 'Sign out',
        )}`,
      })}`,
  });
}

export function renderLoggedOutPage(context: PageContext): string {
  return renderLayout(context.branding, {
    title: 'You are signed out',
    content: html` <p>You have signed out of ${context.branding.appName} on this device.</p>
      <p><a class="button button-primary" href="${AUTH_PATHS.login}">Sign in again</a></p>`,
  });
}
