--[[
  Extends the lease of a request that is still being processed, only if it is still ours.

  KEYS[1] record  HASH (see idempotency-claim-1.lua)
  ARGV[1] token of the claiming request
  ARGV[2] lease in ms

  Returns 1 when extended, 0 when the lease was lost (lapsed, or the key was taken since).
]]
if redis.call('HGET', KEYS[1], 'token') == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
