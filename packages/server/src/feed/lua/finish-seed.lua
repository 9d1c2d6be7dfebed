-- KEYS[1] epoch key. ARGV[1] the pending marker set before seeding, ARGV[2] the new epoch.
-- The seed counts only if the marker survived it: a Redis that restarted (empty) mid-seed lost the
-- marker and part of the seed, and must be seeded again.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1
