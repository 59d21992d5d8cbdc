// Public surface of @authflow/handoff.
export {
  HANDOFF_TTL_MS,
  type HandoffOptions,
  type HandoffVerdict,
  isSafeRedirectPath,
  signHandoff,
  verifyHandoff,
} from './handoff.js';
