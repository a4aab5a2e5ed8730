--[[
  Completes a build of a coupon's state: for a coupon just created, or a rebuild from
  PostgreSQL, whose caller has already merged the persisted holders into the users hash.
  Reservations are refused until this script writes the metadata, so no stock can be taken
  from a half-built state.

  KEYS[1] meta  HASH   coupon metadata
  KEYS[2] seq   STRING last sequence number
  ARGV[1] the least value the sequence counter may have: 0 for a coupon just created; after a
          loss, past every number the lost counter may have handed out (coupon-state.ts)
  ARGV[2] version, ARGV[3..] field, value pairs

  Returns 1 when restored, 0 when another process restored it first.
]]
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local seq = tonumber(redis.call('GET', KEYS[2]) or '0')
if tonumber(ARGV[1]) > seq then redis.call('SET', KEYS[2], ARGV[1]) end
redis.call('HSET', KEYS[1], 'version', ARGV[2], unpack(ARGV, 3))
return 1
