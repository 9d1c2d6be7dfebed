-- KEYS[1] the user's reset-token hash. Returns the deleted token's hash, or '' when there was none.
local previous = redis.call('HGET', KEYS[1], 'hash') or ''
redis.call('DEL', KEYS[1])
return previous
