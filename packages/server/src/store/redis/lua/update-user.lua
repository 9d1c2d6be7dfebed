-- KEYS[1] user hash. ARGV: field, value, ... (only patchable fields). Returns the updated fields.
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
if #ARGV > 0 then redis.call('HSET', KEYS[1], unpack(ARGV)) end
return redis.call('HGETALL', KEYS[1])
