-- A market's aggregated depth, best first, read atomically. KEYS: the state hash, bid levels, ask levels,
-- level totals. ARGV: market index, levels per side (-1 for all). Returns {seq, pool base, pool quote,
-- bids, asks} where bids and asks are flat [price, lots, price, lots, ...].
local mi = ARGV[1]
local n = tonumber(ARGV[2])
local m = redis.call('HMGET', KEYS[1], 'q' .. mi, 'pb' .. mi, 'pq' .. mi)
local function side(zkey, prefix)
  local ps = redis.call('ZRANGE', zkey, 0, n < 0 and -1 or n - 1)
  local out = {}
  for s = 1, #ps, 1000 do
    local e = math.min(s + 999, #ps)
    local fields = {}
    for i = s, e do fields[#fields + 1] = prefix .. ps[i] end
    local ts = redis.call('HMGET', KEYS[4], unpack(fields))
    for i = s, e do
      out[#out + 1] = ps[i]
      out[#out + 1] = ts[i - s + 1]
    end
  end
  return out
end
return { m[1], m[2], m[3], side(KEYS[2], 'b'), side(KEYS[3], 'a') }
