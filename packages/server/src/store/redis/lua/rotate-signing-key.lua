-- KEYS[1] key records (kid -> JSON), KEYS[2] retired (kid -> retiredAt), KEYS[3] active kid.
-- ARGV[1] kid, ARGV[2] record JSON, ARGV[3] now.
-- "Active" is a single value, so even racing rotations leave exactly one active key.
local previous = redis.call('GET', KEYS[3])
if previous and previous ~= ARGV[1] and redis.call('HEXISTS', KEYS[1], previous) == 1 then
  redis.call('HSET', KEYS[2], previous, ARGV[3])
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('SET', KEYS[3], ARGV[1])
return 1
