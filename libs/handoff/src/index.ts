// Public surface of @authflow/handoff.
export {
  HANDOFF_TTL_MS,
  type HandoffOptions,
  type HandoffVerdict,
  isSafeRedirectPath,
  signHandoff,
  verifyHandoff,
} from './handoff.js';
export { DEFAULT_LOGIN_PATH, loginRedirect, type LoginRedirectOptions } from './login-redirect.js';
