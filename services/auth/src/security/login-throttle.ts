// Failed sign-ins counted per (account, IP), per account and per IP, shared by every auth
// instance (Redis): past a limit each further failure doubles the wait (OWASP Authentication
// Cheat Sheet), instead of locking the account for everyone.
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
  /**
   * Failures on one account from one IP before the first wait. The limit that stops a guesser,
   * and the only one a single attacker can reach: the owner on another IP is not affected.
   */
  readonly maxFailuresPerAccountIp: number;
  /** Failures on one account from all IPs together (guessing spread over many IPs); much higher. */
  readonly maxFailuresPerAccount: number;
  /** Failures from one IP over all accounts (password spraying). */
  readonly maxFailuresPerIp: number;
  /** The wait after a counter reaches its limit; each further failure doubles it. */
  readonly baseDelayMs: number;
  /** The longest wait. */
  readonly maxDelayMs: number;
  /** A counter is forgotten this long after its last failure's wait has ended. */
  readonly windowMs: number;
}

export interface LoginThrottle {
  /** Refused while any counter's wait runs; `retryAfterMs` says until when. */
  check(keys: ThrottleKeys): Promise<ThrottleState>;
  recordFailure(keys: ThrottleKeys): Promise<void>;
  /** A correct password clears the (account, IP) and account counters (the IP's keeps counting). */
  recordSuccess(keys: ThrottleKeys): Promise<void>;
}

/** The wait a counter imposes after `failures` failures: none below the limit, then doubling. */
export function delayAfter(failures: number, limit: number, limits: ThrottleLimits): number {
  if (failures < limit) return 0;
  return Math.min(limits.maxDelayMs, limits.baseDelayMs * 2 ** Math.min(failures - limit, 40));
}

/** Keys hold a hash of the address, not the address. */
function accountId(account: string): string {
  return createHash('sha256').update(account.trim().toLowerCase()).digest('base64url');
}

/** The three counters of one attempt, with their limits, in one order for both stores. */
function countersOf(
  { account, ip }: ThrottleKeys,
  limits: ThrottleLimits,
): [key: string, limit: number][] {
  const id = accountId(account);
  return [
    [`account_ip:${id}:${ip}`, limits.maxFailuresPerAccountIp],
    [`account:${id}`, limits.maxFailuresPerAccount],
    [`ip:${ip}`, limits.maxFailuresPerIp],
  ];
}

// Each counter is a hash: c = failures, l = time of the last one (ms, the caller's clock).
const DELAY = `
local function delay(c, limit)
  if c < limit then return 0 end
  return math.min(tonumber(ARGV[3]), tonumber(ARGV[2]) * 2 ^ math.min(c - limit, 40))
end
`;

const CHECK = `${DELAY}
local now = tonumber(ARGV[1])
local wait = 0
for i, key in ipairs(KEYS) do
  local v = redis.call('HMGET', key, 'c', 'l')
  local c = tonumber(v[1] or '0')
  local l = tonumber(v[2] or '0')
  wait = math.max(wait, l + delay(c, tonumber(ARGV[4 + i])) - now)
end
return math.ceil(wait)
`;

const FAIL = `${DELAY}
local now = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  local c = redis.call('HINCRBY', key, 'c', 1)
  redis.call('HSET', key, 'l', now)
  redis.call('PEXPIRE', key, math.ceil(delay(c, tonumber(ARGV[4 + i])) + tonumber(ARGV[4])))
end
return 1
`;

export function createRedisLoginThrottle(
  client: Redis,
  limits: ThrottleLimits,
  keyPrefix = '',
  clock: () => number = Date.now,
): LoginThrottle {
  const run = (script: string, keys: ThrottleKeys): Promise<unknown> => {
    const counters = countersOf(keys, limits);
    return client.eval(
      script,
      counters.length,
      ...counters.map(([key]) => `${keyPrefix}login_throttle:${key}`),
      clock(),
      limits.baseDelayMs,
      limits.maxDelayMs,
      limits.windowMs,
      ...counters.map(([, limit]) => limit),
    );
  };
  return {
    check: async (keys) => {
      const wait = Number(await run(CHECK, keys));
      return wait > 0 ? { blocked: true, retryAfterMs: wait } : { blocked: false };
    },
    recordFailure: async (keys) => {
      await run(FAIL, keys);
    },
    recordSuccess: async (keys) => {
      const [pair, account] = countersOf(keys, limits).map(
        ([key]) => `${keyPrefix}login_throttle:${key}`,
      );
      await client.del(pair ?? '', account ?? '');
    },
  };
}

/** The same rules in process memory (all-in-one mode: one instance). */
export function createMemoryLoginThrottle(
  limits: ThrottleLimits,
  clock: () => number = Date.now,
): LoginThrottle {
  const counters = new Map<string, { failures: number; last: number; forgetAt: number }>();
  const current = (key: string) => {
    const counter = counters.get(key);
    if (counter !== undefined && counter.forgetAt <= clock()) {
      counters.delete(key);
      return undefined;
    }
    return counter;
  };
  return {
    check: (keys) => {
      let wait = 0;
      for (const [key, limit] of countersOf(keys, limits)) {
        const counter = current(key);
        if (counter !== undefined)
          wait = Math.max(
            wait,
            counter.last + delayAfter(counter.failures, limit, limits) - clock(),
          );
      }
      return Promise.resolve(
        wait > 0 ? { blocked: true, retryAfterMs: Math.ceil(wait) } : { blocked: false },
      );
    },
    recordFailure: (keys) => {
      const now = clock();
      for (const [key, limit] of countersOf(keys, limits)) {
        const failures = (current(key)?.failures ?? 0) + 1;
        const forgetAt = now + delayAfter(failures, limit, limits) + limits.windowMs;
        counters.set(key, { failures, last: now, forgetAt });
      }
      if (counters.size > 100_000) {
        for (const [key, counter] of counters) if (counter.forgetAt <= now) counters.delete(key);
      }
      return Promise.resolve();
    },
    recordSuccess: (keys) => {
      const [pair, account] = countersOf(keys, limits).map(([key]) => key);
      counters.delete(pair ?? '');
      counters.delete(account ?? '');
      return Promise.resolve();
    },
  };
}
