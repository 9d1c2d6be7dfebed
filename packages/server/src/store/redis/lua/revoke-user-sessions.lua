-- KEYS[1] the user's sessions. ARGV[1] the user's key base, ARGV[2] (optional) encoded id to keep.
local deleted = {}
for _, enc_sid in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if #ARGV < 2 or enc_sid ~= ARGV[2] then
    local gone = delete_session(ARGV[1], enc_sid)
    if gone then deleted[#deleted + 1] = gone end
  end
end
return deleted
