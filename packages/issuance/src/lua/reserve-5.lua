--[[
  Reserves one coupon for one user, atomically: the only place stock is taken.

  KEYS[1] meta     HASH  coupon metadata (type, count, start, end, deleted, expireMinute,
                         discountType, discountAmount, version)
  KEYS[2] seq      STRING last sequence number handed out
  KEYS[3] users    HASH  userId -> issuanceId of every accepted issuance
  KEYS[4] pending  ZSET  issuanceId scored by sequence, not yet settled
  KEYS[5] record   HASH  the new issuance's record (used only when accepted)

  ARGV[1] userId
  ARGV[2] issuanceId  (fresh candidate; ignored unless accepted)
  ARGV[3] couponId

  Returns
    {0}                                      metadata missing: rebuild from PostgreSQL, never guess
    {1, issuanceId, sequence, requestedAtMs, expireAtMs, discountType, discountAmount, queuePosition}
                                             accepted; queuePosition = unsettled issuances ahead
    {2, existingIssuanceId}                  already issued to this user
    {3}                                      sold out
    {4}                                      not started
    {5}                                      ended
    {6}                                      coupon deleted
]]
local meta = redis.call('HMGET', KEYS[1], 'type', 'count', 'start', 'end', 'deleted',
  'expireMinute', 'discountType', 'discountAmount')
if not meta[1] then return {0} end
if meta[5] == '1' then return {6} end

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if now < tonumber(meta[3]) then return {4} end
if now >= tonumber(meta[4]) then return {5} end

-- the user is checked before the stock so a retry of a winner never reads "sold out"
local existing = redis.call('HGET', KEYS[3], ARGV[1])
if existing then return {2, existing} end

if meta[1] == 'limited' and redis.call('HLEN', KEYS[3]) >= tonumber(meta[2]) then
  return {3}
end

local sequence = redis.call('INCR', KEYS[2])
local expireAt = math.min(now + tonumber(meta[6]) * 60000, tonumber(meta[4]))
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[4], sequence, ARGV[2])
redis.call('HSET', KEYS[5], 'userId', ARGV[1], 'couponId', ARGV[3], 'sequence', sequence,
  'status', 'pending', 'requestedAt', now, 'expireAt', expireAt,
  'discountType', meta[7], 'discountAmount', meta[8])
return {1, ARGV[2], sequence, now, expireAt, meta[7], meta[8], redis.call('ZRANK', KEYS[4], ARGV[2])}
