-- KEYS[1] user hash. ARGV: field, value, ...
-- Refuses an existing id, so a create can never overwrite a user.
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1
