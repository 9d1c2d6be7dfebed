-- Prepended to every feed script (feed-lua.ts).
-- The replication id of the Redis history this script runs on: a replica shares its primary's, and
-- a promoted replica (or a server started anew) gets a new one. False where INFO is refused.
local function replid()
  local info = redis.pcall('INFO', 'replication')
  if type(info) ~= 'string' then return false end
  return string.match(info, 'master_replid:(%w+)') or false
end
