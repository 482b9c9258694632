-- addLiquidity / removeLiquidity (funding.ts changeLiquidity). KEYS: 6 exchange keys, 8 market keys.
-- ARGV: time, maxlen, sign (1 add, -1 remove), baseAmount, quoteAmount (atoms, checked by the client).
local M = loadMarket(7)
local sign = tonumber(ARGV[3])
local baseAmount = tonumber(ARGV[4])
local quoteAmount = tonumber(ARGV[5])
local base = M.pb + sign * baseAmount
local quote = M.pq + sign * quoteAmount
if base < 1 or quote < 1 then return reject('INSUFFICIENT_BALANCE', 'the pool must keep at least one atom of each asset') end
local sb, sq = supply(M.bi), supply(M.qi)
if sb + sign * baseAmount > MAX_ATOMS or sq + sign * quoteAmount > MAX_ATOMS then
  return reject('INVALID_AMOUNT', 'this would take an asset past its maximum total supply')
end
M.pb = base
M.pq = quote
setSupply(M.bi, sb + sign * baseAmount)
setSupply(M.qi, sq + sign * quoteAmount)
M.poolTouched = true
touchMarket(M)
return finishCommand('{"ok":true,"pool":{"baseReserve":' .. I(base) .. ',"quoteReserve":' .. I(quote) .. '}}', M.k_ev)
