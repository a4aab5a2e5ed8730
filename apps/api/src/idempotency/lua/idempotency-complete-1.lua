--[[
  Records the response of the request that claimed the key, if the key is still its own.

  KEYS[1] record  HASH (see idempotency-claim-1.lua)
  ARGV[1] token of the claiming request
  ARGV[2] fingerprint
  ARGV[3] response, JSON {status, contentType, location, etag, body}
  ARGV[4] seconds to keep it

  Returns 1 when recorded under our lease,
          2 when recorded although the lease had lapsed (nobody claimed the key meanwhile),
          0 when not recorded: another request holds or completed the key since our lease lapsed.
]]
local exists = redis.call('EXISTS', KEYS[1]) == 1
if exists and redis.call('HGET', KEYS[1], 'token') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'state', 'done', 'fingerprint', ARGV[2], 'response', ARGV[3])
redis.call('HDEL', KEYS[1], 'token')
redis.call('EXPIRE', KEYS[1], ARGV[4])
if exists then return 1 end
return 2
