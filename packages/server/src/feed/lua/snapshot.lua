-- KEYS[1] stream, KEYS[2] live set. ARGV[1] the lowest `until` still live.
-- One script, so no publish can land between reading the live set and reading the stream's head:
-- everything in the set is at or before the cursor, everything after it arrives through follow.
-- last-generated-id, not the last entry: it stays right when entries were trimmed or deleted.
local head = '0-0'
if redis.call('EXISTS', KEYS[1]) == 1 then
  local info = redis.call('XINFO', 'STREAM', KEYS[1])
  for i = 1, #info, 2 do
    if info[i] == 'last-generated-id' then head = info[i + 1] end
  end
end
return {head, redis.call('ZRANGEBYSCORE', KEYS[2], ARGV[1], '+inf')}
