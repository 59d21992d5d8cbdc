// Lua scripts for every change that spans keys, so user_sessions never disagrees with session:*.
// Revocations publish from inside the script: no session is deleted without its id announced.
import { LuaScript } from './lua-script.js';

/**
 * KEYS: session, user_sessions.
 * ARGV: idle ttl ms, absolute expiry ms, session id, now ms, channel, session key prefix,
 * max sessions per user, then field/value pairs.
 * Returns the ids evicted to respect the per-user cap (oldest first).
 */
export const createScript = new LuaScript(
  'create',
  `
local idle = tonumber(ARGV[1])
local absolute = tonumber(ARGV[2])
local now = tonumber(ARGV[4])
redis.call('HSET', KEYS[1], unpack(ARGV, 8))
redis.call('PEXPIRE', KEYS[1], math.max(1, math.min(idle, absolute - now)))
redis.call('ZADD', KEYS[2], absolute, ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[4])
local evicted = {}
local excess = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[7])
if excess > 0 then
  -- Sessions that ended by idle expiry are still indexed (by absolute expiry): forget them
  -- first, so they do not count against the cap and push out a live one.
  for _, id in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
    if redis.call('EXISTS', ARGV[6] .. id) == 0 then redis.call('ZREM', KEYS[2], id) end
  end
  excess = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[7])
end
if excess > 0 then
  local oldest = redis.call('ZRANGE', KEYS[2], 0, excess - 1)
  for _, id in ipairs(oldest) do
    if id ~= ARGV[3] then
      redis.call('DEL', ARGV[6] .. id)
      redis.call('ZREM', KEYS[2], id)
      redis.call('PUBLISH', ARGV[5], id)
      table.insert(evicted, id)
    end
  end
end
local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[2], last[2])
return evicted
`,
);

/**
 * KEYS: session. ARGV: now ms, idle ttl ms.
 * Extends a live session; a missing (revoked, expired) one stays missing. Returns 1 or 0.
 */
export const touchScript = new LuaScript(
  'touch',
  `
local absolute = redis.call('HGET', KEYS[1], 'absolute_expires_at')
if not absolute then return 0 end
local remaining = tonumber(absolute) - tonumber(ARGV[1])
if remaining <= 0 then
  redis.call('DEL', KEYS[1])
  return 0
end
redis.call('HSET', KEYS[1], 'last_seen_at', ARGV[1])
redis.call('PEXPIRE', KEYS[1], math.max(1, math.floor(math.min(tonumber(ARGV[2]), remaining))))
return 1
`,
);

/**
 * KEYS: session. ARGV: session id, channel, expected user id ('' = any), user_sessions prefix.
 * Returns 1 (revoked), 0 (was not live), -1 (belongs to another user: nothing done).
 */
export const revokeScript = new LuaScript(
  'revoke',
  `
local owner = redis.call('HGET', KEYS[1], 'user_id')
if ARGV[3] ~= '' and owner ~= ARGV[3] then return -1 end
redis.call('DEL', KEYS[1])
if owner then redis.call('ZREM', ARGV[4] .. owner, ARGV[1]) end
redis.call('PUBLISH', ARGV[2], ARGV[1])
if owner then return 1 end
return 0
`,
);

/**
 * KEYS: old session, new session, user_sessions.
 * ARGV: old id, new id, now ms, idle ttl ms, channel, absolute expiry ms, user id, then the new
 * record's field/value pairs.
 * Replaces a live session by the new one (step-up): the new record is written and indexed, the
 * old one deleted, unindexed and announced, all or nothing. Returns 1, or 0 when the old session
 * was no longer there (revoked or expired meanwhile: nothing is created).
 */
export const elevateScript = new LuaScript(
  'elevate',
  `
if redis.call('HGET', KEYS[1], 'user_id') ~= ARGV[7] then return 0 end
local now = tonumber(ARGV[3])
local absolute = tonumber(ARGV[6])
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('PUBLISH', ARGV[5], ARGV[1])
redis.call('HSET', KEYS[2], unpack(ARGV, 8))
redis.call('PEXPIRE', KEYS[2], math.max(1, math.min(tonumber(ARGV[4]), absolute - now)))
redis.call('ZADD', KEYS[3], absolute, ARGV[2])
local last = redis.call('ZRANGE', KEYS[3], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[3], last[2])
return 1
`,
);

/**
 * KEYS: user_sessions. ARGV: channel, id to keep ('' = none), session key prefix.
 * Returns the revoked ids (those whose session still existed).
 */
export const revokeAllScript = new LuaScript(
  'revoke-all',
  `
local revoked = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if id ~= ARGV[2] then
    redis.call('ZREM', KEYS[1], id)
    -- Only a session that still existed is revoked and announced; an ended one is just unindexed.
    if redis.call('DEL', ARGV[3] .. id) == 1 then
      redis.call('PUBLISH', ARGV[1], id)
      table.insert(revoked, id)
    end
  end
end
return revoked
`,
);

/**
 * KEYS: user_sessions. ARGV: now ms, session key prefix.
 * Drops dead entries from the index and returns { id, flat hash } pairs of the live ones.
 */
export const listScript = new LuaScript(
  'list',
  `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1])
local out = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local hash = redis.call('HGETALL', ARGV[2] .. id)
  if #hash == 0 then
    redis.call('ZREM', KEYS[1], id)
  else
    table.insert(out, id)
    table.insert(out, hash)
  end
end
return out
`,
);

/**
 * KEYS: device. ARGV: device id, now ms, memory ms.
 * Returns { 1 when the device was known, how many devices were known before }.
 */
export const deviceSeenScript = new LuaScript(
  'device-seen',
  `
local known = redis.call('HEXISTS', KEYS[1], ARGV[1])
local count = redis.call('HLEN', KEYS[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return { known, count }
`,
);

/**
 * KEYS: user_sessions. ARGV: ids to drop from the index.
 * Used after a list found records that are unreadable or belong to another user.
 */
export const unindexScript = new LuaScript(
  'unindex',
  `
for _, id in ipairs(ARGV) do redis.call('ZREM', KEYS[1], id) end
return #ARGV
`,
);

/**
 * KEYS: user_sessions. ARGV: channel, session key prefix, roles (JSON), now ms, user id.
 * Sets `roles` on every live session of the user and publishes each id, so caches drop their
 * copy; entries past their absolute expiry, already ended or not the user's are unindexed and
 * left alone. Returns the updated ids.
 */
export const setRolesScript = new LuaScript(
  'set-roles',
  `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[4])
local updated = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local key = ARGV[2] .. id
  -- A key of another type is a corrupt record: never a live session, and HGET would fail.
  if redis.call('TYPE', key).ok == 'hash' and redis.call('HGET', key, 'user_id') == ARGV[5] then
    redis.call('HSET', key, 'roles', ARGV[3])
    redis.call('PUBLISH', ARGV[1], id)
    table.insert(updated, id)
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
return updated
`,
);
