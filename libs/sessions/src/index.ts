// Public surface of @authflow/sessions, shared by auth (creates sessions) and gateway (reads them).
export { REVOCATION_CHANNEL, type SessionKeys, sessionKeys } from './keys.js';
export {
  expiredSessionCookie,
  PLAIN_SESSION_COOKIE,
  readCookie,
  removeCookie,
  SECURE_SESSION_COOKIE,
  type SessionCookieAttributes,
  sessionCookieAttributes,
  sessionCookieName,
  sessionIdFromCookieHeader,
} from './session-cookie.js';
export { MemorySessionStore, type MemorySessionStoreOptions } from './memory-session-store.js';
export {
  createRedisClient,
  InvalidRedisUrlError,
  parseRedisUrl,
  type RedisConnectionOptions,
  waitForRedis,
} from './redis/connection.js';
export { RedisSessionStore, type RedisSessionStoreOptions } from './redis/redis-session-store.js';
export { idleExpiryOf, isDueForTouch } from './session-lifecycle.js';
export {
  type AssuranceLevel,
  defaultAmrOf,
  isStorableAmr,
  isStorableRoles,
  MAX_AMR_ENTRIES,
  MAX_ROLE_LENGTH,
  MAX_ROLES,
  MAX_STORED_USER_AGENT,
  parseSessionHash,
  sessionHashSchema,
  type SessionRecord,
  toSessionHash,
} from './session-record.js';
export {
  type CreatedSession,
  DEFAULT_SESSION_POLICY,
  isSessionStoreUnavailableError,
  type NewSession,
  type RevocationListener,
  type RevocationSubscription,
  type SessionElevation,
  type SessionPolicy,
  type SessionStore,
  SessionStoreUnavailableError,
  type SubscriptionState,
} from './session-store.js';
export {
  type DenialReason,
  type VerificationInput,
  type Verdict,
  verifySession,
} from './verify-session.js';
export {
  generateSessionToken,
  isWellFormedSessionId,
  isWellFormedSessionToken,
  sessionIdFromToken,
} from './session-token.js';
