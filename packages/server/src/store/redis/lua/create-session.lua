-- KEYS[1] the user's sessions, KEYS[2] session hash.
-- ARGV[1] encoded session id, ARGV[2] createdAt, ARGV[3] ttl ms, ARGV[4..] field, value, ...
-- DEL first: a re-created session must not keep optional fields (userAgent, ip) of the old one.
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[2], unpack(ARGV, 4))
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
extend_expiry(KEYS[1], tonumber(ARGV[3]))
return 1
