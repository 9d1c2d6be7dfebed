-- KEYS[1] session hash, KEYS[2] token hash, KEYS[3] the session's token set.
-- ARGV[1] encoded token hash, ARGV[2] token hash, ARGV[3] session id, ARGV[4] encoded session id,
-- ARGV[5] createdAt, ARGV[6] expiry slack ms.
-- Returns the token's ttl ms (for its routing index), or nil when the session does not exist.
local absolute = redis.call('HGET', KEYS[1], 'absoluteExpiresAt')
if not absolute then return false end
local ttl = math.max(tonumber(absolute) - tonumber(ARGV[5]), 0) + tonumber(ARGV[6])
redis.call('HSET', KEYS[2], 'hash', ARGV[2], 'sessionId', ARGV[3], 's', ARGV[4], 'createdAt', ARGV[5])
redis.call('PEXPIRE', KEYS[2], int(ttl))
redis.call('SADD', KEYS[3], ARGV[1])
extend_expiry(KEYS[3], ttl)
return int(ttl)
