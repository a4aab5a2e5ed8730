--[[
  Claims an Idempotency-Key for one request, or tells who holds it.

  KEYS[1] record  HASH state ('in-progress' | 'done'), token (while in progress),
                  fingerprint (hash of the request's body and query), response (when done)
  ARGV[1] token        random id of this request's lease
  ARGV[2] fingerprint
  ARGV[3] lease in ms: how long the key stays claimed unless renewed (a process that dies
          mid-request stops renewing, so its key frees itself)

  Returns {1} when claimed;
          {0, state, fingerprint, response or nil} when another request holds or completed it.
]]
if redis.call('EXISTS', KEYS[1]) == 1 then
  local fields = redis.call('HMGET', KEYS[1], 'state', 'fingerprint', 'response')
  return {0, fields[1], fields[2], fields[3]}
end
redis.call('HSET', KEYS[1], 'state', 'in-progress', 'token', ARGV[1], 'fingerprint', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {1}
