--[[
  Writes an admin change of a coupon into its Redis metadata.

  KEYS[1] meta  HASH coupon metadata
  ARGV[1] version of the PostgreSQL row; an older version never overwrites a newer one
  ARGV[2..] field, value pairs

  Returns 0 when the metadata is missing (the caller restores it from PostgreSQL first),
          1 when written, 2 when ignored as stale.
]]
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local current = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
if current > tonumber(ARGV[1]) then return 2 end
redis.call('HSET', KEYS[1], 'version', ARGV[1], unpack(ARGV, 2))
return 1
