// The second-factor challenge (/auth/mfa): finishing a sign-in, or raising a signed-in session (step-up).
import { html, type SafeHtml } from '@authflow/html';
import { AUTH_PATHS, withNext } from './auth-paths.js';
import {
  hasText,
  renderHiddenField,
  renderNotice,
  renderPostForm,
  renderSubmitButton,
} from './forms.js';
import { renderLayout } from './layout.js';
import { renderCheckbox, renderCodeField } from './mfa-fields.js';
import type { PageContext } from './page-context.js';

export type ChallengeMethod = 'totp' | 'email' | 'recovery';

/** Wrong codes left at or below which the page says how many remain. */
export const FEW_ATTEMPTS_LEFT = 3;

export interface ChallengeView {
  /**
   * `sign-in`: a password was just given and a pending sign-in waits for the code.
   * `step-up`: a signed-in session needs a (recent) second factor before it goes on.
   */
  readonly mode: 'sign-in' | 'step-up';
  /**
   * The methods the user has, in the order offered: `totp` with an active authenticator app,
   * `email` with email codes on, `recovery` with recovery codes left.
   */
  readonly methods: readonly ChallengeMethod[];
  /** The method asked for (`?method=`); one the user does not have falls back to the first. */
  readonly method?: ChallengeMethod | undefined;
  /** Set right after an email code was sent: the masked address (see `maskEmailAddress`). */
  readonly emailSentTo?: string | undefined;
  /** How long an email code works, for the hint; 10 when not given. */
  readonly emailCodeMinutes?: number;
  /** About the last attempt: wrong code, throttled, too many codes sent. */
  readonly error?: string | undefined;
  /** Where to go afterwards; opaque, carried as is in every form and link. */
  readonly next?: string | undefined;
  /** Days a trusted device skips the challenge; 0 (or step-up) hides the offer. */
  readonly trustDeviceDays?: number;
  /** Wrong codes left; said when at or below `FEW_ATTEMPTS_LEFT`. */
  readonly attemptsLeft?: number | undefined;
  /** Step-up: why a second factor is asked for now (the re-authentication prompt of a sensitive action). */
  readonly reason?: string | undefined;
}

interface MethodWords {
  readonly label: string;
  readonly hint: (view: ChallengeView, appName: string) => string;
  readonly offer: string;
}

const METHODS: Readonly<Record<ChallengeMethod, MethodWords>> = {
  totp: {
    label: 'Code from your authenticator app',
    hint: (_view, appName) => `The 6-digit code your app shows for ${appName}.`,
    offer: 'Use your authenticator app',
  },
  email: {
    label: 'Code from the email',
    hint: (view) =>
      `The 6-digit code we emailed you. It works for ${view.emailCodeMinutes ?? 10} minutes.`,
    offer: 'Email me a code',
  },
  recovery: {
    label: 'Recovery code',
    hint: () => 'One of the codes you saved when you set up your second factor. Each works once.',
    offer: 'Use a recovery code',
  },
};

const TITLES = {
  'sign-in': 'Confirm it is you',
  'step-up': 'This page needs a second factor',
} as const;

/** `a***@example.com`: enough for the owner to recognise, nothing about the length. */
export function maskEmailAddress(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 1) return '***';
  return `${address.slice(0, 1)}***${address.slice(at)}`;
}

/** The method shown: the one asked for when the user has it, else the first they have. */
export function chooseMethod(
  view: Pick<ChallengeView, 'methods' | 'method'>,
): ChallengeMethod | undefined {
  const { method, methods } = view;
  return method !== undefined && methods.includes(method) ? method : methods[0];
}

function challengeHref(method: ChallengeMethod, next: string | undefined): string {
  const query = new URLSearchParams({ method });
  if (hasText(next)) query.set('next', next);
  return `${AUTH_PATHS.mfa}?${query.toString()}`;
}

function attemptsText(view: ChallengeView): string | undefined {
  const left = view.attemptsLeft;
  if (left === undefined || left > FEW_ATTEMPTS_LEFT) return undefined;
  const count = `${left} ${left === 1 ? 'attempt' : 'attempts'} left`;
  return view.mode === 'sign-in' ? `${count} before you have to sign in again.` : `${count}.`;
}

/** The error and the attempts left, announced together on load. */
function renderAlert(view: ChallengeView): SafeHtml | false {
  const lines = [view.error, attemptsText(view)].filter(hasText);
  return (
    lines.length > 0 &&
    html` <div class="alert alert-error" id="form-error" role="alert">
      ${lines.map((line) => html`<p>${line}</p>`)}
    </div>`
  );
}

function renderSendCodeForm(context: PageContext, view: ChallengeView, label: string): SafeHtml {
  return renderPostForm({
    action: AUTH_PATHS.mfaSendEmailCode,
    csrfToken: context.csrfToken,
    className: 'form-inline',
    content: [
      hasText(view.next) && renderHiddenField('next', view.next),
      html`<button type="submit" class="button button-secondary button-small">${label}</button>`,
    ],
  });
}

function renderCodeForm(
  context: PageContext,
  view: ChallengeView,
  method: ChallengeMethod,
): SafeHtml {
  const words = METHODS[method];
  const invalid = hasText(view.error) || attemptsText(view) !== undefined;
  const days = view.trustDeviceDays ?? 0;
  return renderPostForm({
    action: AUTH_PATHS.mfa,
    csrfToken: context.csrfToken,
    content: [
      renderHiddenField('method', method),
      hasText(view.next) && renderHiddenField('next', view.next),
      renderCodeField({
        name: 'code',
        label: words.label,
        kind: method === 'recovery' ? 'recovery' : 'numeric',
        hint: words.hint(view, context.branding.appName),
        describedBy: invalid ? ['form-error'] : [],
        invalid: hasText(view.error),
        autofocus: true,
      }),
      view.mode === 'sign-in' &&
        days > 0 &&
        renderCheckbox({
          name: 'trust_device',
          label: `Don't ask again on this device for ${days} ${days === 1 ? 'day' : 'days'}`,
          hint: 'Only in this browser. You can end it in your security settings.',
        }),
      renderSubmitButton(view.mode === 'sign-in' ? 'Sign in' : 'Continue'),
    ],
  });
}

/** Links (and, for email, a sending button) to the user's other methods. */
function renderOtherMethods(
  context: PageContext,
  view: ChallengeView,
  shown: ChallengeMethod,
): SafeHtml | false {
  const others = view.methods.filter((method) => method !== shown);
  if (others.length === 0) return false;
  const items = others.map((method) =>
    method === 'email'
      ? html`<li>${renderSendCodeForm(context, view, METHODS.email.offer)}</li>`
      : html`<li><a href="${challengeHref(method, view.next)}">${METHODS[method].offer}</a></li>`,
  );
  return html` <h2 class="section-heading">Other ways to confirm</h2>
    <ul class="plain-list">
      ${items}
    </ul>`;
}

/** On the email method: ask for a code, or for another one once one was sent. */
function renderEmailAction(context: PageContext, view: ChallengeView): SafeHtml {
  const sent = hasText(view.emailSentTo);
  return html` <div class="inline-action">
    <span>${sent ? 'Nothing arrived?' : 'No code yet?'}</span>
    ${renderSendCodeForm(context, view, sent ? 'Send a new code' : 'Email me a code')}
  </div>`;
}

function renderIntro(context: PageContext, view: ChallengeView): SafeHtml {
  if (view.mode === 'sign-in') {
    return html`<p>
      Your password was right. To finish signing in to ${context.branding.appName}, enter a code
      from your second factor.
    </p>`;
  }
  return html`<p>
    ${hasText(view.reason) ? view.reason : 'To go on, confirm it is you with your second factor.'}
    You stay signed in.
  </p>`;
}

function renderCancel(view: ChallengeView): SafeHtml {
  return view.mode === 'sign-in'
    ? html`<p>
        <a href="${withNext(AUTH_PATHS.login, view.next)}">Cancel and go back to sign in</a>
      </p>`
    : html`<p><a href="${AUTH_PATHS.logout}">Sign out instead</a></p>`;
}

/**
 * The challenge. Every form posts the CSRF token and carries `next`; the code field is tied
 * to its hint and, after a refusal, to the alert. The trusted-device offer only finishes a
 * sign-in: a step-up raises a session that already exists.
 */
export function renderChallengePage(context: PageContext, view: ChallengeView): string {
  const shown = chooseMethod(view);
  const title = TITLES[view.mode];
  if (shown === undefined) {
    return renderLayout(context.branding, {
      title,
      content: html`${renderAlert(view)}
        <p>
          Your account has no second factor that can be used here. Contact support to get back in.
        </p>
        ${renderCancel(view)}`,
    });
  }
  const sent = hasText(view.emailSentTo)
    ? `We sent a code to ${view.emailSentTo}. It can take a minute to arrive.`
    : undefined;
  return renderLayout(context.branding, {
    title,
    content: html`${renderNotice(sent)}${renderAlert(view)}${renderIntro(context, view)}
    ${renderCodeForm(context, view, shown)} ${shown === 'email' && renderEmailAction(context, view)}
    ${renderOtherMethods(context, view, shown)}${renderCancel(view)}`,
  });
}
