-- KEYS as in rotate-signing-key.lua. ARGV[1] cut-off: keys retired strictly before it go.
local active = redis.call('GET', KEYS[3])
local retired = redis.call('HGETALL', KEYS[2])
local pruned = {}
for i = 1, #retired, 2 do
  local kid = retired[i]
  if kid ~= active and tonumber(retired[i + 1]) < tonumber(ARGV[1]) then
    redis.call('HDEL', KEYS[1], kid)
    redis.call('HDEL', KEYS[2], kid)
    pruned[#pruned + 1] = kid
  end
end
return pruned
