-- KEYS[1]. ARGV[1] expected value. Drops a routing entry only while it still points where we think.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1
