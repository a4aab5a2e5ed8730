--[[
  Merges holders persisted in PostgreSQL into a coupon's Redis state. The rows are the
  truth: each row's user holds its place under the row's issuance, and the sequence counter
  never falls behind a persisted sequence. Used when rebuilding a lost coupon and when the
  reconciler finds rows Redis does not know (Redis lost writes).

  KEYS[1] users  HASH   userId -> issuanceId
  KEYS[2] seq    STRING last sequence number handed out
  ARGV[1] the least value the counter may have (the highest sequence among the rows given,
          or further when numbers may have been lost); it never moves back
  ARGV[2..] userId, issuanceId pairs

  Returns how many of the users were missing from the hash.
]]
local added = 0
for i = 2, #ARGV, 2 do
  added = added + redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
if tonumber(ARGV[1]) > tonumber(redis.call('GET', KEYS[2]) or '0') then
  redis.call('SET', KEYS[2], ARGV[1])
end
return added
