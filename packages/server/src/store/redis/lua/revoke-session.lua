-- KEYS[1] the user's sessions, KEYS[2] session hash (declared for routing; the helper derives them).
-- ARGV[1] the user's key base, ARGV[2] encoded session id.
return delete_session(ARGV[1], ARGV[2])
