-- KEYS[1]. ARGV[1] expected value, ARGV[2] new value. Replaces a stale routing entry only if no
-- one else replaced it first.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1
