// Failed sign-ins counted per account and per IP, shared by every auth instance (Redis).
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

export interface ThrottleKeys {
  /** The address as typed; counted case-insensitively. */
  readonly account: string;
  readonly ip: string;
}

export type ThrottleState =
  { readonly blocked: false } | { readonly blocked: true; readonly retryAfterMs: number };

export interface ThrottleLimits {
  readonly maxFailuresPerAccount: number;
  readonly maxFailuresPerIp: number;
  /** A counter starts at the first failure and resets this long after it (fixed window). */
  readonly windowMs: number;
}

export interface LoginThrottle {
  /** Refused while either counter has reached its limit; `retryAfterMs` says until when. */
  check(keys: ThrottleKeys): Promise<ThrottleState>;
  recordFailure(keys: ThrottleKeys): Promise<void>;
  /** A correct password clears the account's counter (the IP's keeps counting). */
  recordSuccess(keys: ThrottleKeys): Promise<void>;
}

/** Keys hold a hash of the address, not the address. */
function accountId(account: string): string {
  return createHash('sha256').update(account.trim().toLowerCase()).digest('base64url');
}

const CHECK = `
local a = tonumber(redis.call('GET', KEYS[1]) or '0')
local i = tonumber(redis.call('GET', KEYS[2]) or '0')
local wait = 0
if a >= tonumber(ARGV[1]) then wait = math.max(wait, redis.call('PTTL', KEYS[1])) end
if i >= tonumber(ARGV[2]) then wait = math.max(wait, redis.call('PTTL', KEYS[2])) end
return wait
`;

const FAIL = `
for _, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 then redis.call('PEXPIRE', key, ARGV[1]) end
end
return 1
`;

export function createRedisLoginThrottle(
  client: Redis,
  limits: ThrottleLimits,
  keyPrefix = '',
): LoginThrottle {
  const keysOf = ({ account, ip }: ThrottleKeys): [string, string] => [
    `${keyPrefix}login_failures:account:${accountId(account)}`,
    `${keyPrefix}login_failures:ip:${ip}`,
  ];
  return {
    check: async (keys) => {
      const wait = Number(
        await client.eval(
          CHECK,
          2,
          ...keysOf(keys),
          limits.maxFailuresPerAccount,
          limits.maxFailuresPerIp,
        ),
      );
      // PTTL is -1 for a key without expiry; count it as a full window rather than "no wait".
      return wait === 0
        ? { blocked: false }
        : { blocked: true, retryAfterMs: wait > 0 ? wait : limits.windowMs };
    },
    recordFailure: async (keys) => {
      await client.eval(FAIL, 2, ...keysOf(keys), limits.windowMs);
    },
    recordSuccess: async (keys) => {
      await client.del(keysOf(keys)[0]);
    },
  };
}

/** The same rules in process memory (all-in-one mode: one instance). */
export function createMemoryLoginThrottle(
  limits: ThrottleLimits,
  clock: () => number = Date.now,
): LoginThrottle {
  const counters = new Map<string, { count: number; resetAt: number }>();
  const current = (key: string): { count: number; resetAt: number } | undefined => {
    const counter = counters.get(key);
    if (counter !== undefined && counter.resetAt <= clock()) {
      counters.delete(key);
      return undefined;
    }
    return counter;
  };
  const bump = (key: string): void => {
    const counter = current(key);
    if (counter === undefined) counters.set(key, { count: 1, resetAt: clock() + limits.windowMs });
    else counter.count += 1;
  };
  return {
    check: ({ account, ip }) => {
      let wait = 0;
      for (const [key, limit] of [
        [`a:${accountId(account)}`, limits.maxFailuresPerAccount],
        [`i:${ip}`, limits.maxFailuresPerIp],
      ] as const) {
        const counter = current(key);
        if (counter !== undefined && counter.count >= limit)
          wait = Math.max(wait, counter.resetAt - clock());
      }
      return Promise.resolve(wait > 0 ? { blocked: true, retryAfterMs: wait } : { blocked: false });
    },
    recordFailure: ({ account, ip }) => {
      bump(`a:${accountId(account)}`);
      bump(`i:${ip}`);
      return Promise.resolve();
    },
    recordSuccess: ({ account }) => {
      counters.delete(`a:${accountId(account)}`);
      return Promise.resolve();
    },
  };
}
