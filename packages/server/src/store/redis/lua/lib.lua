-- Shared helpers, prepended to every store script (see scripts.ts). Key names built here must match
-- key-layout.ts: a user's keys all start with `base` = <prefix>{u:<userId>}, so they share one slot.

-- Redis would format a Lua number argument as a float; expiry arguments must be integers.
local function int(value)
  return string.format('%d', value)
end

-- The smaller of two decimal timestamps, returned as the original string so no float formatting
-- ever touches a stored value.
local function earlier(a, b)
  if tonumber(a) <= tonumber(b) then return a end
  return b
end

-- Pushes a key's expiry out to at least ttl ms; never shortens it.
local function extend_expiry(key, ttl)
  local current = redis.call('PTTL', key)
  if current == -1 or current < ttl then redis.call('PEXPIRE', key, int(ttl)) end
end

-- Deletes a session with its whole refresh-token family. Returns {session fields, encoded token
-- hashes} so the caller can drop the routing index entries, or nil when there was no session.
local function delete_session(base, enc_sid)
  local session_key = base .. ':s:' .. enc_sid
  local tokens_key = session_key .. ':tokens'
  local session = redis.call('HGETALL', session_key)
  local tokens = redis.call('SMEMBERS', tokens_key)
  for _, enc_hash in ipairs(tokens) do redis.call('DEL', base .. ':r:' .. enc_hash) end
  redis.call('DEL', session_key, tokens_key)
  redis.call('ZREM', base .. ':sessions', enc_sid)
  if #session == 0 then return nil end
  return {session, tokens}
end
