// Lua for every read-then-write of the MFA state, so two auth instances never both win.

/** KEYS: pending. ARGV: data JSON, attempts, ttl ms. */
export const CREATE_PENDING = `
redis.call('HSET', KEYS[1], 'data', ARGV[1], 'left', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`;

/** KEYS: pending. Counts one wrong code; deletes the sign-in at zero. Returns attempts left. */
export const RECORD_PENDING_FAILURE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local left = redis.call('HINCRBY', KEYS[1], 'left', -1)
if left <= 0 then
  redis.call('DEL', KEYS[1])
  return 0
end
return left
`;

/** KEYS: pending. Reads and deletes in one step: of two completions, one gets the record. */
export const CONSUME_PENDING = `
local fields = redis.call('HGETALL', KEYS[1])
if #fields > 0 then redis.call('DEL', KEYS[1]) end
return fields
`;

/**
 * KEYS: email code. ARGV: now, digest, code expiry, resend after ms, attempts, key ttl ms.
 * Returns 0 (issued) or the ms to wait before another code may be sent.
 */
export const ISSUE_EMAIL_CODE = `
local issued = tonumber(redis.call('HGET', KEYS[1], 'issued') or '')
if issued then
  local wait = issued + tonumber(ARGV[4]) - tonumber(ARGV[1])
  if wait > 0 then return math.ceil(wait) end
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'digest', ARGV[2], 'issued', ARGV[1], 'expires', ARGV[3], 'left', ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[6])
return 0
`;

/**
 * KEYS: email code. ARGV: now, digest. Returns 1 (right: the code is spent) or 0.
 * The digests are compared without an early exit. A wrong code costs an attempt; the last one
 * kills the code but keeps the issue time, so the resend wait still holds for a guesser.
 */
export const VERIFY_EMAIL_CODE = `
local v = redis.call('HMGET', KEYS[1], 'digest', 'expires')
local stored = v[1]
if not stored then return 0 end
if tonumber(v[2]) <= tonumber(ARGV[1]) then
  redis.call('HDEL', KEYS[1], 'digest', 'expires', 'left')
  return 0
end
local given = ARGV[2]
local diff = 0
if #stored ~= #given then diff = 1 end
for i = 1, math.min(#stored, #given) do
  diff = bit.bor(diff, bit.bxor(string.byte(stored, i), string.byte(given, i)))
end
if diff == 0 then
  redis.call('DEL', KEYS[1])
  return 1
end
if redis.call('HINCRBY', KEYS[1], 'left', -1) <= 0 then
  redis.call('HDEL', KEYS[1], 'digest', 'expires', 'left')
end
return 0
`;

/** KEYS: trusted. ARGV: id, JSON, ms until its expiry. The key lives as long as its latest entry. */
export const TRUST_DEVICE = `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
local want = math.max(1, tonumber(ARGV[3]))
if redis.call('PTTL', KEYS[1]) < want then redis.call('PEXPIRE', KEYS[1], want) end
return 1
`;

/** KEYS: trusted. ARGV: id. Removes one entry; returns what it held (false when none). */
export const REVOKE_DEVICE = `
local value = redis.call('HGET', KEYS[1], ARGV[1])
if value then redis.call('HDEL', KEYS[1], ARGV[1]) end
return value
`;

/** KEYS: trusted. Removes them all; returns what they held (id, JSON, id, JSON...). */
export const REVOKE_ALL_DEVICES = `
local entries = redis.call('HGETALL', KEYS[1])
redis.call('DEL', KEYS[1])
return entries
`;
