-- Creates the exchange's state once (engine-state.ts constructor): counters, the `fees` account first,
-- each market's descriptor, pool and book sequence, the pools' reserves as supply. Idempotent; refuses a
-- keyspace made for another market configuration. KEYS: the state hash, then each market's hash.
-- ARGV: fingerprint, market count, then per market: descriptor ("mi bi qi bpl qptl mk tk amm pf"), pair,
-- pool base and quote reserves (0 without a pool). Returns 'created' or 'exists'.
local K_S = KEYS[1]
local have = redis.call('HGET', K_S, 'config')
if have then
  if have ~= ARGV[1] then return redis.error_reply('HOOATS_CONFIG_MISMATCH this keyspace holds another market configuration') end
  return 'exists'
end
local supply = {}
local c = { 'config', ARGV[1], 'oid', '1', 'tid', '1', 'nacct', '1', 'cmd', '0', 'n:fees', '1' }
local n = tonumber(ARGV[2])
for i = 1, n do
  local o = 2 + (i - 1) * 4
  local d = ARGV[o + 1]
  local mi, bi, qi, amm = string.match(d, '^(%d+) (%d+) (%d+) %d+ %d+ %d+ %d+ (%d) %d+$')
  redis.call('HSET', KEYS[1 + i], 'd', d, 'pair', ARGV[o + 2])
  c[#c + 1] = 'q' .. mi
  c[#c + 1] = '0'
  if amm == '1' then
    c[#c + 1] = 'pb' .. mi
    c[#c + 1] = ARGV[o + 3]
    c[#c + 1] = 'pq' .. mi
    c[#c + 1] = ARGV[o + 4]
    supply[bi] = (supply[bi] or 0) + tonumber(ARGV[o + 3])
    supply[qi] = (supply[qi] or 0) + tonumber(ARGV[o + 4])
  end
end
for ai, v in pairs(supply) do
  c[#c + 1] = 's' .. ai
  c[#c + 1] = string.format('%d', v)
end
redis.call('HSET', K_S, unpack(c))
return 'created'
