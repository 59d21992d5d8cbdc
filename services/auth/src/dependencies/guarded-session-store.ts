// The session store and the sign-in counters behind one Redis breaker: once Redis stops
// answering, sign-in and the session endpoints answer 503 at once instead of each waiting.
import { type Breaker, createBreaker, isBreakerOpenError } from '@authflow/resilience';
import {
  isSessionStoreUnavailableError,
  type SessionStore,
  SessionStoreUnavailableError,
} from '@authflow/sessions';
import type { LoginThrottle } from '../security/login-throttle.js';

export type RedisBreaker = Breaker<[() => Promise<unknown>], unknown>;

export function createRedisBreaker(options: {
  readonly resetTimeoutMs: number;
  readonly volumeThreshold?: number;
}): RedisBreaker {
  return createBreaker((call: () => Promise<unknown>) => call(), {
    name: 'redis',
    // ioredis bounds every command (AUTH_REDIS_COMMAND_TIMEOUT_MS) and fails at once offline.
    timeoutMs: false,
    resetTimeoutMs: options.resetTimeoutMs,
    volumeThreshold: options.volumeThreshold ?? 5,
    // "No such session" is a value (null), not an error; only outages count.
    isFailure: isSessionStoreUnavailableError,
  });
}

function through<T>(breaker: RedisBreaker, operation: string, call: () => Promise<T>): Promise<T> {
  return (breaker.fire(call) as Promise<T>).catch((error: unknown) => {
    if (isBreakerOpenError(error))
      throw new SessionStoreUnavailableError(`session store breaker is open (${operation})`, {
        cause: error,
      });
    throw error;
  });
}

/** The same store, each call through the breaker. Subscriptions and close pass straight on. */
export function guardSessionStore(store: SessionStore, breaker: RedisBreaker): SessionStore {
  return {
    policy: store.policy,
    create: (input) => through(breaker, 'create', () => store.create(input)),
    find: (id) => through(breaker, 'find', () => store.find(id)),
    touch: (session) => through(breaker, 'touch', () => store.touch(session)),
    revoke: (id, options) => through(breaker, 'revoke', () => store.revoke(id, options)),
    elevate: (id, elevation) => through(breaker, 'elevate', () => store.elevate(id, elevation)),
    revokeAllForUser: (userId) =>
      through(breaker, 'revoke-all', () => store.revokeAllForUser(userId)),
    revokeOthers: (userId, keep) =>
      through(breaker, 'revoke-others', () => store.revokeOthers(userId, keep)),
    setRolesForUser: (userId, roles) =>
      through(breaker, 'set-roles', () => store.setRolesForUser(userId, roles)),
    listForUser: (userId) => through(breaker, 'list', () => store.listForUser(userId)),
    recordDeviceSeen: (userId, deviceId) =>
      through(breaker, 'device', () => store.recordDeviceSeen(userId, deviceId)),
    subscribeRevocations: (listener) => store.subscribeRevocations(listener),
    ping: () => through(breaker, 'ping', () => store.ping()),
    close: () => store.close(),
  };
}

/**
 * The Redis counters, through the same breaker. Their client failures become
 * `SessionStoreUnavailableError` (503 `session_store_unavailable`), never a 500: sign-in fails
 * closed while the counters cannot be read.
 */
export function guardLoginThrottle(throttle: LoginThrottle, breaker: RedisBreaker): LoginThrottle {
  const guarded =
    <Args extends unknown[], T>(operation: string, call: (...args: Args) => Promise<T>) =>
    (...args: Args): Promise<T> =>
      through(breaker, operation, () =>
        call(...args).catch((error: unknown) => {
          throw new SessionStoreUnavailableError(`sign-in counters ${operation} failed`, {
            cause: error,
          });
        }),
      );
  return {
    check: guarded('check', (keys) => throttle.check(keys)),
    recordFailure: guarded('record-failure', (keys) => throttle.recordFailure(keys)),
    recordSuccess: guarded('record-success', (keys) => throttle.recordSuccess(keys)),
  };
}
