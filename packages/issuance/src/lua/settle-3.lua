--[[
  Records the worker's verdict on one issuance after its batch committed (or was refused).
  Idempotent: only a pending issuance changes, so a retried job never returns stock twice.

  KEYS[1] record   HASH issuance record
  KEYS[2] pending  ZSET unsettled issuances
  KEYS[3] users    HASH userId -> issuanceId

  ARGV[1] issuanceId
  ARGV[2] status: issued | failed
  ARGV[3] userCouponId (issued) or failureReason (failed)
  ARGV[4] settledAt ms
  ARGV[5] '1' to release the user's reservation (stock goes back, the user may try again)
  ARGV[6] record TTL in seconds once settled

  Returns 1 when settled now, 0 when it was already settled or unknown.
]]
redis.call('ZREM', KEYS[2], ARGV[1])
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'pending' then return 0 end
if ARGV[2] == 'issued' then
  redis.call('HSET', KEYS[1], 'status', 'issued', 'userCouponId', ARGV[3], 'issuedAt', ARGV[4])
else
  redis.call('HSET', KEYS[1], 'status', 'failed', 'failureReason', ARGV[3], 'settledAt', ARGV[4])
  if ARGV[5] == '1' then
    local userId = redis.call('HGET', KEYS[1], 'userId')
    if redis.call('HGET', KEYS[3], userId) == ARGV[1] then redis.call('HDEL', KEYS[3], userId) end
  end
end
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[6]))
return 1
