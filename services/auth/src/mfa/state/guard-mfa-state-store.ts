// The MFA state behind auth's Redis breaker (the one sessions and sign-in counters share): while
// Redis is down, every call fails at once with `SessionStoreUnavailableError` (503), never a 500.
import { isBreakerOpenError } from '@authflow/resilience';
import { isSessionStoreUnavailableError, SessionStoreUnavailableError } from '@authflow/sessions';
import type { RedisBreaker } from '../../dependencies/guarded-session-store.js';
import type { MfaStateStore } from '../mfa-ports.js';

/**
 * Runs one call through the breaker. Any failure of the store becomes (or stays)
 * `SessionStoreUnavailableError`, the only error the breaker counts; an open breaker answers
 * with the same error without calling Redis.
 */
function through<T>(breaker: RedisBreaker, operation: string, call: () => Promise<T>): Promise<T> {
  const guarded = (): Promise<T> =>
    call().catch((error: unknown) => {
      if (isSessionStoreUnavailableError(error)) throw error;
      throw new SessionStoreUnavailableError(`mfa state ${operation} failed`, { cause: error });
    });
  return (breaker.fire(guarded) as Promise<T>).catch((error: unknown) => {
    if (isBreakerOpenError(error))
      throw new SessionStoreUnavailableError(`mfa state breaker is open (${operation})`, {
        cause: error,
      });
    throw error;
  });
}

/** The same store, each call through the breaker. `close` passes straight on. */
export function guardMfaStateStore(store: MfaStateStore, breaker: RedisBreaker): MfaStateStore {
  const guard =
    <Args extends unknown[], T>(operation: string, call: (...args: Args) => Promise<T>) =>
    (...args: Args): Promise<T> =>
      through(breaker, operation, () => call(...args));
  return {
    createPending: guard('create-pending', (input, options) => store.createPending(input, options)),
    findPending: guard('find-pending', (token) => store.findPending(token)),
    recordPendingFailure: guard('pending-failure', (token) => store.recordPendingFailure(token)),
    consumePending: guard('consume-pending', (token) => store.consumePending(token)),
    deletePending: guard('delete-pending', (token) => store.deletePending(token)),
    issueEmailCode: guard('issue-email-code', (subject, options) =>
      store.issueEmailCode(subject, options),
    ),
    verifyEmailCode: guard('verify-email-code', (subject, code) =>
      store.verifyEmailCode(subject, code),
    ),
    claimOnce: guard('claim', (key, ttlMs) => store.claimOnce(key, ttlMs)),
    trustDevice: guard('trust-device', (input) => store.trustDevice(input)),
    findTrustedDevice: guard('find-device', (userId, id) => store.findTrustedDevice(userId, id)),
    listTrustedDevices: guard('list-devices', (userId) => store.listTrustedDevices(userId)),
    revokeTrustedDevice: guard('revoke-device', (userId, id) =>
      store.revokeTrustedDevice(userId, id),
    ),
    revokeAllTrustedDevices: guard('revoke-all-devices', (userId) =>
      store.revokeAllTrustedDevices(userId),
    ),
    putSecret: guard('put-secret', (key, value, ttlMs) => store.putSecret(key, value, ttlMs)),
    getSecret: guard('get-secret', (key) => store.getSecret(key)),
    deleteSecret: guard('delete-secret', (key) => store.deleteSecret(key)),
    close: () => store.close(),
  };
}
