-- KEYS[1] a refresh token's hash (live or consumed). ARGV[1] the user's key base.
-- The session the token belongs to, as HGETALL, or an empty reply: the two reads of
-- `sessionIdFor` and `sessions.get` in one round trip, in the slot of the session's user.
local encoded_session = redis.call('HGET', KEYS[1], 's')
if not encoded_session then return {} end
return redis.call('HGETALL', ARGV[1] .. ':s:' .. encoded_session)
