-- KEYS[1] the user's sessions. ARGV[1] the user's key base. Returns the fields of each session;
-- members whose session already expired out of Redis are skipped.
local sessions = {}
for _, enc_sid in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local session = redis.call('HGETALL', ARGV[1] .. ':s:' .. enc_sid)
  if #session > 0 then sessions[#sessions + 1] = session end
end
return sessions
