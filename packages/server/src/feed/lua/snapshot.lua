-- KEYS[1] stream, KEYS[2] live set, KEYS[3] epoch key, KEYS[4] the replication id the epoch is
-- bound to. Returns the stream's head and whether the live set is complete.
-- Run in one transaction with the read of the live set (redis-stream-feed.ts), so no publish can
-- land between reading the live set and reading the stream's head: everything in the set is at or
-- before the cursor, everything after it arrives through follow.
-- last-generated-id, not the last entry: it stays right when entries were trimmed or deleted.
-- The epoch says whether the live set is complete: missing (Redis lost its data) or still being
-- seeded again from the durable store, it is not, and the verifier must not count itself fresh.
-- Nor is it on another replication history than the epoch's (a replica promoted since, which may
-- have missed the newest revocations), until an auth server has seeded it again.
-- replid(): lua/replid.lua, prepended by feed-lua.ts.
local head = '0-0'
if redis.call('EXISTS', KEYS[1]) == 1 then
  local info = redis.call('XINFO', 'STREAM', KEYS[1])
  for i = 1, #info, 2 do
    if info[i] == 'last-generated-id' then head = info[i + 1] end
  end
end
local epoch = redis.call('GET', KEYS[3])
local complete = 0
if epoch and string.sub(epoch, 1, 8) ~= 'pending:' then
  complete = 1
  local bound = redis.call('GET', KEYS[4])
  if bound then
    local current = replid()
    if current and current ~= bound then complete = 0 end
  end
end
return {head, complete}
