// Page contexts, hostile inputs and a render-everything helper shared by the page tests.
import type { Branding } from '../../branding.js';
import type { PageContext } from '../page-context.js';
import { renderErrorPage } from '../error-page.js';
import {
  renderForgotPasswordPage,
  renderPasswordChangedPage,
  renderResetPasswordPage,
  renderResetRequestedPage,
} from '../password-pages.js';
import { renderSessionsPage, type SessionView } from '../sessions-page.js';
import { renderLoggedOutPage, renderLoginPage } from '../sign-in-pages.js';
import {
  renderCheckEmailPage,
  renderEmailVerifiedPage,
  renderSignupPage,
} from '../signup-pages.js';

export const CSRF_TOKEN = 'csrf-Tok3n_value';

export const BRANDING: Branding = {
  appName: 'Acme',
  logoUrl: undefined,
  primaryColor: '#0f766e',
  supportEmail: 'help@acme.test',
  publicUrl: 'https://acme.test',
};

export function makeContext(branding: Partial<Branding> = {}): PageContext {
  return { branding: { ...BRANDING, ...branding }, csrfToken: CSRF_TOKEN };
}

export function makeSession(overrides: Partial<SessionView> = {}): SessionView {
  return {
    id: 'sess_other',
    deviceLabel: 'Firefox 133 on Windows',
    ip: '203.0.113.7',
    createdAt: new Date('2025-01-02T03:04:05.000Z'),
    lastSeenAt: new Date('2025-03-14T15:09:26.000Z'),
    current: false,
    ...overrides,
  };
}

/** Values an attacker controls, each trying to leave its text or attribute context. */
export const HOSTILE = {
  email: '"><script>alert(1)</script>',
  device: '<img src=x onerror=alert(1)>',
  appName: 'Acme</title><script>alert(1)</script>',
  next: `/app/?q=" autofocus onfocus="alert(1)&x='y'`,
  text: '<svg onload=alert(1)>\'`"',
} as const;

/** Every page, rendered with hostile values wherever the view takes text. */
export function renderEveryPage(context: PageContext): Record<string, string> {
  const errors = { email: HOSTILE.text, password: HOSTILE.text, form: HOSTILE.text };
  return {
    login: renderLoginPage(context, {
      next: HOSTILE.next,
      email: HOSTILE.email,
      error: HOSTILE.text,
      notice: HOSTILE.text,
    }),
    signup: renderSignupPage(context, { email: HOSTILE.email, next: HOSTILE.next, errors }),
    checkEmail: renderCheckEmailPage(context, { email: HOSTILE.email }),
    forgotPassword: renderForgotPasswordPage(context, { email: HOSTILE.email, errors }),
    resetRequested: renderResetRequestedPage(context),
    resetPassword: renderResetPasswordPage(context, { token: HOSTILE.next, errors }),
    passwordChanged: renderPasswordChangedPage(context),
    emailVerified: renderEmailVerifiedPage(context, { ok: true }),
    emailNotVerified: renderEmailVerifiedPage(context, { ok: false }),
    loggedOut: renderLoggedOutPage(context),
    sessions: renderSessionsPage(context, {
      email: HOSTILE.email,
      notice: HOSTILE.text,
      sessions: [
        makeSession({ id: HOSTILE.next, deviceLabel: HOSTILE.device, ip: HOSTILE.text }),
        makeSession({ id: 'sess_current', deviceLabel: HOSTILE.device, current: true }),
      ],
    }),
    error: renderErrorPage(context, { status: 403, title: HOSTILE.text, message: HOSTILE.text }),
  };
}
