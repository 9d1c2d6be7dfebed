-- KEYS[1] the user's reset-token hash, KEYS[2] the user hash.
-- ARGV[1] token hash, ARGV[2] createdAt, ARGV[3] expiresAt, ARGV[4] ttl ms.
-- The new token replaces the user's previous one in the same step: there is never more than one.
-- Returns the previous token's hash ('' when there was none), or -1 when the user does not exist.
if redis.call('EXISTS', KEYS[2]) == 0 then return -1 end
local previous = redis.call('HGET', KEYS[1], 'hash') or ''
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'hash', ARGV[1], 'createdAt', ARGV[2], 'expiresAt', ARGV[3])
redis.call('PEXPIRE', KEYS[1], int(ARGV[4]))
return previous
