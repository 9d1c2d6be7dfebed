-- KEYS[1] epoch key, KEYS[2] the replication id the epoch is bound to. ARGV[1] the pending marker
-- set before seeding, ARGV[2] the new epoch.
-- The seed counts only if the marker survived it: a Redis that restarted (empty) mid-seed lost the
-- marker and part of the seed, and must be seeded again. The new epoch is bound to this Redis
-- history: a failover to a replica changes it, and the feed is then seeded again.
-- replid(): lua/replid.lua, prepended by feed-lua.ts.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
local current = replid()
if current then redis.call('SET', KEYS[2], current) else redis.call('DEL', KEYS[2]) end
return 1
