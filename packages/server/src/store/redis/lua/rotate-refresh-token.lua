-- KEYS[1] presented token hash, KEYS[2] the user's hash (the same slot): read for the status check,
-- and returned with a rotation or a replay, so the caller need not read it again.
-- ARGV[1] the user's key base, ARGV[2] encoded successor hash, ARGV[3] successor hash,
-- ARGV[4] successor createdAt, ARGV[5] successor cipher, ARGV[6] now, ARGV[7] graceMs,
-- ARGV[8] now + idleTtlMs, ARGV[9] expiry slack ms, ARGV[10] '1' once the caller has put the
-- session's revocation in the outbox (a reuse is declared only then; before, the reply is 'arm').
-- The whole decision runs here, in the slot of the session's user: concurrent refreshes of one token
-- queue behind each other, the first rotates and the rest find it consumed (see chooseRotationStep
-- in packages/core/src/refresh/rotation-rule.ts for the same rule in the memory and SQL stores).
local base = ARGV[1]
local now = tonumber(ARGV[6])
local token = redis.call('HMGET', KEYS[1], 's', 'consumedAt', 'successorCipher', 'successor')
if not token[1] then return {'invalid'} end
local session_key = base .. ':s:' .. token[1]
local session = redis.call('HMGET', session_key, 'id', 'idleExpiresAt', 'absoluteExpiresAt')
if not session[1] then return {'invalid'} end
local absolute = session[3]
-- An expired session invalidates even a consumed token: expiry is not theft.
if tonumber(session[2]) <= now or tonumber(absolute) <= now then return {'invalid'} end
-- Only an active user's family rotates (mayRotateFor in rotation-rule.ts).
if redis.call('HGET', KEYS[2], 'status') ~= 'active' then return {'invalid'} end

if not token[2] then
  redis.call('HSET', KEYS[1], 'consumedAt', ARGV[6], 'successorCipher', ARGV[5], 'successor', ARGV[2])
  local ttl = math.max(tonumber(absolute) - now, 0) + tonumber(ARGV[9])
  local successor_key = base .. ':r:' .. ARGV[2]
  redis.call('HSET', successor_key, 'hash', ARGV[3], 'sessionId', session[1], 's', token[1], 'createdAt', ARGV[4])
  redis.call('PEXPIRE', successor_key, int(ttl))
  redis.call('SADD', session_key .. ':tokens', ARGV[2])
  extend_expiry(session_key .. ':tokens', ttl)
  redis.call('HSET', session_key, 'lastSeenAt', ARGV[6], 'idleExpiresAt', earlier(ARGV[8], absolute))
  return {'rotated', redis.call('HGETALL', session_key), redis.call('HGETALL', KEYS[2])}
end

-- No lockout from a lost response: a successor never used is handed out again, however late. A
-- successor that is unknown (a token from before this field) counts as used.
local successor_used = true
if token[4] then
  local successor = redis.call('HMGET', base .. ':r:' .. token[4], 'hash', 'consumedAt')
  successor_used = (not successor[1]) or (successor[2] ~= false)
end
local grace = tonumber(ARGV[7])
local within_grace = grace > 0 and now - tonumber(token[2]) <= grace
if (within_grace or not successor_used) and token[3] then
  return {'replayed', redis.call('HGETALL', session_key), token[3], redis.call('HGETALL', KEYS[2])}
end

-- Replayed after its successor was used, outside the grace window: theft. The session and its whole family go,
-- but only once its revocation waits in the outbox (another slot): the caller records it and calls again.
if ARGV[10] ~= '1' then return {'arm', redis.call('HGETALL', session_key)} end
local gone = delete_session(base, token[1])
return {'reused', gone[1], gone[2]}
