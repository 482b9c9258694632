-- addLiquidity / removeLiquidity (funding.ts changeLiquidity). KEYS: the state hash, the market hash.
-- ARGV: stream MAXLEN, market descriptor, sign (1 add, -1 remove), baseAmount, quoteAmount (atoms,
-- checked by the client). Reply: finishCommand's part (the pool).
local S = spec(args[2])
local M = openMarket(S, keys[2])
local add = args[3] == '1'
local baseAmount = tonumber(args[4])
local quoteAmount = tonumber(args[5])
wantSupply(M.bi)
wantSupply(M.qi)
wantCounters()
fetch()
loadPool(M)
local base, quote
if add then
  base, quote = M.pb + baseAmount, M.pq + quoteAmount
else
  base, quote = M.pb - baseAmount, M.pq - quoteAmount
end
if base < 1 or quote < 1 then return reject('INSUFFICIENT_BALANCE') end
local sb, sq = supply(M.bi), supply(M.qi)
if add then
  sb, sq = sb + baseAmount, sq + quoteAmount
else
  sb, sq = sb - baseAmount, sq - quoteAmount
end
if sb > MAX_ATOMS or sq > MAX_ATOMS then return reject('INVALID_AMOUNT') end
M.pb = base
M.pq = quote
setSupply(M.bi, sb)
setSupply(M.qi, sq)
M.poolTouched = true
touchMarket(M)
return finishCommand(M.k.ev, 'L', args[3])
