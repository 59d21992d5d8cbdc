// Second-factor state (pending sign-ins, email codes, claims, trusted devices, kept secrets):
// the Redis and memory adapters of `MfaStateStore`, and its breaker guard.
export { guardMfaStateStore } from './guard-mfa-state-store.js';
export { MemoryMfaStateStore, type MemoryMfaStateStoreOptions } from './memory-mfa-state-store.js';
export { MFA_KEY_PREFIX, type MfaStateKeys, mfaStateKeys } from './mfa-state-keys.js';
export { RedisMfaStateStore, type RedisMfaStateStoreOptions } from './redis-mfa-state-store.js';
