-- KEYS[1] user hash, KEYS[2] the user's sessions. ARGV[1] the user's key base.
-- The user, every session, every refresh token and the reset token go in one step: no session
-- outlives its user. Returns {email, deleted sessions, reset-token hash or ''} for the routing-index
-- clean-up, or nil when there is no user.
local email = redis.call('HGET', KEYS[1], 'email')
if not email then return false end
local deleted = {}
for _, enc_sid in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  local gone = delete_session(ARGV[1], enc_sid)
  if gone then deleted[#deleted + 1] = gone end
end
local reset_key = ARGV[1] .. ':reset'
local reset_hash = redis.call('HGET', reset_key, 'hash') or ''
redis.call('DEL', KEYS[1], KEYS[2], reset_key)
return {email, deleted, reset_hash}
