--[[
  Records the worker's verdicts on a whole batch of issuances after its transaction
  committed (or was refused), in one call. Idempotent: only a pending issuance changes, so
  a retried job never returns stock twice. Called with a variable number of keys (-n).

  KEYS[1 .. 2C]     per coupon c of the batch (C = ARGV[2]):
                    KEYS[2c-1] pending  ZSET unsettled issuances
                    KEYS[2c]   users    HASH userId -> issuanceId
  KEYS[2C+1 .. ]    per issuance i: its record HASH

  ARGV[1] record TTL in seconds once settled
  ARGV[2] C, the number of coupons
  ARGV[3 .. 2+C] per coupon, its settlement channel (a sharded pub/sub channel in the
          coupon's slot): the ids settled by this call are published there, comma-joined,
          for the API processes whose clients long-poll them
  ARGV[3+C ..] per issuance, 7 values:
          coupon index c (1-based), issuanceId, status (issued | failed),
          userCouponId (issued) or failureReason (failed),
          issuedAt / settledAt ms, release ('1': the user's place goes back to the stock),
          the row's sequence when it took a new number ('' otherwise)

  Returns one flag per issuance, in order: 1 settled by this call, 0 already settled (a
  retry) or unknown.
]]
local ttl = tonumber(ARGV[1])
local coupons = tonumber(ARGV[2])
local settled = {}
local announced = {}
local n = (#ARGV - 2 - coupons) / 7
for i = 1, n do
  local a = 2 + coupons + (i - 1) * 7
  local c = tonumber(ARGV[a + 1])
  local issuanceId, status, value, at, release = ARGV[a + 2], ARGV[a + 3], ARGV[a + 4], ARGV[a + 5], ARGV[a + 6]
  local sequence = ARGV[a + 7]
  local pending, users, record = KEYS[2 * c - 1], KEYS[2 * c], KEYS[2 * coupons + i]
  redis.call('ZREM', pending, issuanceId)
  settled[i] = 0
  if redis.call('HGET', record, 'status') == 'pending' then
    if status == 'issued' then
      redis.call('HSET', record, 'status', 'issued', 'userCouponId', value, 'issuedAt', at)
      if sequence ~= '' then redis.call('HSET', record, 'sequence', sequence) end
    else
      redis.call('HSET', record, 'status', 'failed', 'failureReason', value, 'settledAt', at)
      if release == '1' then
        local userId = redis.call('HGET', record, 'userId')
        if redis.call('HGET', users, userId) == issuanceId then redis.call('HDEL', users, userId) end
      end
    end
    redis.call('EXPIRE', record, ttl)
    settled[i] = 1
    announced[c] = announced[c] or {}
    table.insert(announced[c], issuanceId)
  end
end
for c, ids in pairs(announced) do
  redis.call('SPUBLISH', ARGV[2 + c], table.concat(ids, ','))
end
return settled
