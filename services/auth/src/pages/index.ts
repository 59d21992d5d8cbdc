// The auth service's server-rendered pages: one function per page, the stylesheet, the html tag.
export { html, type SafeHtml } from '@authflow/html';
export type { FieldErrors, FieldName, PageContext } from './page-context.js';
export { AUTH_PATHS } from './auth-paths.js';
export { PASSWORD_HINT, PASSWORD_MIN_LENGTH } from './forms.js';
export { STYLESHEET_PATH } from './layout.js';
export { DEFAULT_PRIMARY_COLOR, renderStylesheet } from './stylesheet.js';
export {
  renderLoggedOutPage,
  renderLoginPage,
  renderLogoutPage,
  type LoginView,
} from './sign-in-pages.js';
export {
  renderCheckEmailPage,
  renderEmailVerifiedPage,
  renderSignupPage,
  type CheckEmailView,
  type EmailVerifiedView,
  type SignupView,
} from './signup-pages.js';
export {
  renderForgotPasswordPage,
  renderPasswordChangedPage,
  renderResetPasswordPage,
  renderResetRequestedPage,
  type ForgotPasswordView,
  type ResetPasswordView,
} from './password-pages.js';
export { renderSessionsPage, type SessionView, type SessionsView } from './sessions-page.js';
export { renderErrorPage, type ErrorView } from './error-page.js';
export {
  FEW_ATTEMPTS_LEFT,
  chooseMethod,
  maskEmailAddress,
  renderChallengePage,
  type ChallengeMethod,
  type ChallengeView,
} from './challenge-page.js';
export { FACTOR_LABEL_MAX_LENGTH } from './mfa-fields.js';
export {
  groupSecret,
  recoveryCodesText,
  renderRecoveryCodesPage,
  renderTotpEnrollmentPage,
  type RecoveryCodesView,
  type TotpEnrollmentView,
} from './mfa-pages.js';
export {
  FEW_RECOVERY_CODES,
  hasActiveFactor,
  renderSecurityPage,
  type SecurityView,
} from './security-page.js';
export type { SectionError, SecuritySection } from './security-parts.js';
export type { TrustedDeviceView } from './trusted-devices-section.js';
export {
  type ProviderButtonView,
  renderLinkConfirmPage,
  renderLinkedPage,
  renderLinkMailSentPage,
  renderProviderButtons,
  SSO_PATHS,
  ssoStartPath,
} from './federation-pages.js';
