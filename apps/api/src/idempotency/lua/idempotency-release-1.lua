--[[
  Gives the key up (a 5xx or a 401 is not kept: the retry is processed afresh), only if
  the lease is still ours.

  KEYS[1] record  HASH (see idempotency-claim-1.lua)
  ARGV[1] token of the claiming request

  Returns 1 when released, 0 when the key was not ours any more.
]]
if redis.call('HGET', KEYS[1], 'token') == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
