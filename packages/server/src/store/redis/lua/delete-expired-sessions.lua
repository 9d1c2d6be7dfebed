-- KEYS[1] the user's sessions. ARGV[1] the user's key base, ARGV[2] now, ARGV[3..] encoded ids the
-- global live-session index lists as expired. The index is written outside this slot and may lag
-- behind a touch, so each session is judged here, on its own record. One result per id, in order:
-- {0} already gone, {1, effective expiry} still live, {2, deleted session}.
local now = tonumber(ARGV[2])
local results = {}
for i = 3, #ARGV do
  local deadlines = redis.call('HMGET', ARGV[1] .. ':s:' .. ARGV[i], 'idleExpiresAt', 'absoluteExpiresAt')
  if not deadlines[1] then
    results[#results + 1] = {0}
  elseif tonumber(deadlines[1]) > now and tonumber(deadlines[2]) > now then
    results[#results + 1] = {1, earlier(deadlines[1], deadlines[2])}
  else
    results[#results + 1] = {2, delete_session(ARGV[1], ARGV[i])}
  end
end
return results
