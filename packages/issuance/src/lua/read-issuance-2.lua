--[[
  Reads an issuance record and, while it is pending, its place in the coupon's queue: one
  round trip for a poll.

  KEYS[1] record   HASH the issuance record
  KEYS[2] pending  ZSET unsettled issuances of its coupon
  ARGV[1] issuanceId

  Returns {}                                  no such record
          {queuePosition | -1, field, value, ...}   the record's fields (HGETALL order);
                                              -1 when it is settled
]]
local fields = redis.call('HGETALL', KEYS[1])
if #fields == 0 then return {} end
local position = -1
if redis.call('HGET', KEYS[1], 'status') == 'pending' then
  position = redis.call('ZRANK', KEYS[2], ARGV[1]) or -1
end
table.insert(fields, 1, position)
return fields
