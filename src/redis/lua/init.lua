-- Creates the exchange's state once (engine-state.ts constructor): counters, the `fees` account
-- first, each market's spec and pool, the pools' reserves as supply. Idempotent; refuses a keyspace
-- made for another market configuration. KEYS: 6 exchange keys, then each market's hash.
-- ARGV: fingerprint, asset count, market count, then 14 values per market (see redis-engine.ts).
-- Returns 'created' or 'exists'.
local K_ACCT, K_CTR = KEYS[2], KEYS[4]
local have = redis.call('HGET', K_CTR, 'config')
if have then
  if have ~= ARGV[1] then return redis.error_reply('HOOATS_CONFIG_MISMATCH this keyspace holds another market configuration') end
  return 'exists'
end
local supply = {}
local n = tonumber(ARGV[3])
local names = { 'pair', 'base', 'quote', 'bi', 'qi', 'bpl', 'qptl', 'mk', 'tk', 'amm', 'pb', 'pq', 'pf', 'idx' }
for i = 1, n do
  local args = {}
  local o = 3 + (i - 1) * 14
  for j = 1, 14 do
    args[#args + 1] = names[j]
    args[#args + 1] = ARGV[o + j]
  end
  args[#args + 1] = 'seq'
  args[#args + 1] = '0'
  redis.call('HSET', KEYS[6 + i], unpack(args))
  if ARGV[o + 10] == '1' then
    local bi, qi = ARGV[o + 4], ARGV[o + 5]
    supply[bi] = (supply[bi] or 0) + tonumber(ARGV[o + 11])
    supply[qi] = (supply[qi] or 0) + tonumber(ARGV[o + 12])
  end
end
local c = { 'config', ARGV[1], 'oid', '1', 'tid', '1', 'nacct', '1', 'cmd', '0' }
for ai, v in pairs(supply) do
  c[#c + 1] = 's' .. ai
  c[#c + 1] = string.format('%d', v)
end
redis.call('HSET', K_CTR, unpack(c))
redis.call('HSET', K_ACCT, 'fees', '1')
return 'created'
