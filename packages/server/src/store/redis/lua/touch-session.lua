-- KEYS[1] session hash. ARGV[1] lastSeenAt, ARGV[2] idleExpiresAt.
-- Returns {strategy, absoluteExpiresAt} for the live-session index, or nil when the session is gone.
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
redis.call('HSET', KEYS[1], 'lastSeenAt', ARGV[1], 'idleExpiresAt', ARGV[2])
return redis.call('HMGET', KEYS[1], 'strategy', 'absoluteExpiresAt')
