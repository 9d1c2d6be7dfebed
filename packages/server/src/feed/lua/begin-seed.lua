-- KEYS[1] epoch key, KEYS[2] stream. ARGV[1] the pending marker, ARGV[2] its lifetime (ms), ARGV[3]
-- '1' to fence.
-- Marks the feed as being seeded, and (with ARGV[3]) fences off every cursor from before: an entry added and
-- deleted at once leaves its id as the stream's max-deleted-entry-id, so a reader resuming from an
-- older cursor is told the cursor expired and takes a new snapshot. It must: what Redis lost with
-- the feed (sessions, with the Redis store) left no revocation event behind, so a verifier that
-- resumed would go on trusting what it cached before. One script, so no reader sees the entry.
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if ARGV[3] ~= '1' then return false end
local id = redis.call('XADD', KEYS[2], '*', 'fence', ARGV[1])
redis.call('XDEL', KEYS[2], id)
return id
