// Public surface of @authflow/handoff.
export {
  HANDOFF_TTL_MS,
  type HandoffOptions,
  type HandoffVerdict,
  isSafeRedirectPath,
  signHandoff,
  verifyHandoff,
} from './handoff.js';
export { handoffRedirect } from './handoff-redirect.js';
export { DEFAULT_LOGIN_PATH, loginRedirect, type LoginRedirectOptions } from './login-redirect.js';
export {
  DEFAULT_LOGOUT_PATH,
  logoutRedirect,
  type LogoutRedirectOptions,
} from './logout-redirect.js';
export { DEFAULT_MFA_PATH, mfaRedirect, type MfaRedirectOptions } from './mfa-redirect.js';
