-- KEYS[1] the user's reset-token hash. ARGV[1] token hash, ARGV[2] now.
-- Deletes the token only if it is still this one and expired at now: the index entry that led here
-- may be stale. Returns 1 (deleted), 2 (still live: kept) or 0 (another token, or none).
if redis.call('HGET', KEYS[1], 'hash') ~= ARGV[1] then return 0 end
if tonumber(redis.call('HGET', KEYS[1], 'expiresAt')) > tonumber(ARGV[2]) then return 2 end
redis.call('DEL', KEYS[1])
return 1
