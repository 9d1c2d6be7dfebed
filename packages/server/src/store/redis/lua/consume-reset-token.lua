-- KEYS[1] the user's reset-token hash. ARGV[1] presented token hash, ARGV[2] now.
-- Single use: whoever finds the hash deletes it, so of any number of parallel consumes one wins.
-- Returns 1 (consumed), -1 (it was there but expired at now: deleted) or 0 (not this user's token).
if redis.call('HGET', KEYS[1], 'hash') ~= ARGV[1] then return 0 end
local expires_at = redis.call('HGET', KEYS[1], 'expiresAt')
redis.call('DEL', KEYS[1])
if tonumber(expires_at) > tonumber(ARGV[2]) then return 1 end
return -1
