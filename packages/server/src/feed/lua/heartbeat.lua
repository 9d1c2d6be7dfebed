-- KEYS[1] stream, KEYS[2] epoch key, KEYS[3] the replication id the epoch is bound to. ARGV[1] the
-- epoch the caller seeded or adopted, ARGV[2] the newest stream id the caller wrote, ARGV[3] MAXLEN,
-- ARGV[4] the heartbeat's time (ms).
-- A heartbeat tells verifiers "you have heard everything", so it is written only into the feed the
-- caller knows to be complete: same epoch (Redis did not restart empty, nobody reseeded), and a
-- stream not behind what the caller wrote (Redis did not come back from an older snapshot); and the
-- same replication history as when the epoch was bound (no failover to a replica that may have
-- missed the newest writes of any server: asynchronous replication loses a tail, not a prefix).
-- replid(): lua/replid.lua, prepended by feed-lua.ts.
local epoch = redis.call('GET', KEYS[2])
if epoch ~= ARGV[1] then return {'epoch', epoch or ''} end
local current = replid()
if current then
  local bound = redis.call('GET', KEYS[3])
  -- Unbound (a feed seeded before the binding existed): bound now, nothing to compare with.
  if not bound then redis.call('SET', KEYS[3], current)
  elseif bound ~= current then return {'failover', bound} end
end
local head = '0-0'
if redis.call('EXISTS', KEYS[1]) == 1 then
  local info = redis.call('XINFO', 'STREAM', KEYS[1])
  for i = 1, #info, 2 do
    if info[i] == 'last-generated-id' then head = info[i + 1] end
  end
end
local function parts(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local headMs, headSeq = parts(head)
local wroteMs, wroteSeq = parts(ARGV[2])
if headMs < wroteMs or (headMs == wroteMs and headSeq < wroteSeq) then return {'behind', head} end
return {'ok', redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', 'heartbeat', ARGV[4])}
