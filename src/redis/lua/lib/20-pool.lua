-- The AMM: Uniswap V2 arithmetic (amm/uniswap-v2-math.ts) and the pool legs of pool-plan.ts, exact
-- with the big integers of 00-bigint.lua wherever a product can pass 2^53. Reserves, leg amounts and
-- plan quotes are themselves safe integers (parts of an asset's supply or of a taker's funds).
local B_BPS = big(10000)
local MAX_TRIMS = 4
local NOTHING = { lots = 0, quote = 0, fb = false }

local function getAmountOut(ain, rin, rout, g)
  if bzero(ain) or bzero(rin) or bzero(rout) then return nil end
  local inWithFee = bmul(ain, g)
  return bdiv(bmul(inWithFee, rout), badd(bmul(rin, B_BPS), inWithFee))
end

local function getAmountIn(aout, rin, rout, g)
  if bzero(aout) or bzero(rin) or bzero(rout) or bcmp(aout, rout) >= 0 then return nil end
  return badd(bdiv(bmul(bmul(rin, aout), B_BPS), bmul(bsub(rout, aout), g)), B_ONE)
end

-- an order's one swap with the pool, from the reserves it found
local function startLeg(M)
  local g = 10000 - M.pf
  return { B = M.pb, Q = M.pq, bB = big(M.pb), bQ = big(M.pq), bg = big(g), base = 0, quote = 0 }
end

local function extendLeg(leg, M, plan)
  leg.base = leg.base + plan.lots * M.bpl
  leg.quote = leg.quote + plan.quote
end

-- the largest x < B whose buy continuation price is <= pn/pd (a number: x < B <= 2^53)
local function maxSwapBaseOut(leg, pn, pd)
  local B = leg.B
  if B <= 1 or leg.Q <= 0 then return 0 end
  local den = bmul(leg.bg, pn)
  local need = bdiv(badd(bmul(bmul(bmul(B_BPS, leg.bQ), leg.bB), pd), bsub(den, B_ONE)), den)
  local y = bisqrt(need)
  if bcmp(bmul(y, y), need) < 0 then y = badd(y, B_ONE) end
  if bcmp(y, leg.bB) >= 0 then return 0 end
  local x = B - bnum(y)
  if x < B - 1 then return x end
  return B - 1
end

-- the largest x >= 0 whose sell continuation price is >= pn/pd (a big integer: it may pass 2^53)
local function maxSwapBaseIn(leg, pn, pd)
  if leg.B <= 0 or leg.Q <= 0 then return { 0 } end
  local z = bisqrt(bdiv(bmul(bmul(bmul(bmul(B_BPS, leg.bg), leg.bQ), leg.bB), pd), pn))
  local fl = bmul(B_BPS, leg.bB)
  if bcmp(z, fl) <= 0 then return { 0 } end
  return bdiv(bsub(z, fl), leg.bg)
end

local function planPoolBuy(M, leg, target, wanted, spendable, limit)
  local bpl = M.bpl
  local before = idiv(leg.base, bpl)
  local maxBase
  if target == nil then
    maxBase = leg.B - 1
  else
    maxBase = maxSwapBaseOut(leg, bmul(big(target), big(M.qptl)), big(bpl))
  end
  local lots = idiv(maxBase, bpl) - before
  if wanted < lots then lots = wanted end
  if lots <= 0 then return NOTHING end
  local bspend = big(spendable)
  local lq = big(leg.quote)
  local function cost(n)
    local total = getAmountIn(big((before + n) * bpl), leg.bQ, leg.bB, leg.bg)
    if total == nil then return nil end
    return bsub(total, lq)
  end
  local fb = false
  local paid = cost(lots)
  if paid == nil or bcmp(paid, bspend) > 0 then
    local affordable = getAmountOut(badd(lq, bspend), leg.bQ, leg.bB, leg.bg) or { 0 }
    local affordableLots = bnum(bdiv(affordable, big(bpl))) - before
    if affordableLots < lots then
      lots = affordableLots > 0 and affordableLots or 0
      fb = true
    end
  end
  local trims = 0
  while lots > 0 do
    paid = cost(lots)
    local tooDear = paid == nil or bcmp(paid, bspend) > 0
      or (limit > 0 and bcmp(paid, bmul(bmul(big(lots), big(limit)), big(M.qptl))) > 0)
    if not tooDear then return { lots = lots, quote = bnum(paid), fb = fb } end
    if paid ~= nil and bcmp(paid, bspend) > 0 then fb = true end
    if trims == MAX_TRIMS then break end
    lots = lots - 1
    trims = trims + 1
  end
  if fb then return { lots = 0, quote = 0, fb = true } end
  return NOTHING
end

local function planPoolSell(M, leg, target, wanted, sellable, limit)
  local bpl = M.bpl
  local before = idiv(leg.base, bpl)
  local lots = wanted
  if target ~= nil then
    local maxBase = maxSwapBaseIn(leg, bmul(big(target), big(M.qptl)), big(bpl))
    local m = bnum(bdiv(maxBase, big(bpl))) - before
    if m < lots then lots = m end
  end
  local fb = false
  if sellable < lots then
    lots = sellable
    fb = true
  end
  local lq = big(leg.quote)
  local trims = 0
  while lots > 0 do
    local total = getAmountOut(big((before + lots) * bpl), leg.bB, leg.bQ, leg.bg)
    local got = nil
    if total ~= nil and bcmp(total, lq) > 0 then got = bsub(total, lq) end
    local tooCheap = got == nil or (limit > 0 and bcmp(got, bmul(bmul(big(lots), big(limit)), big(M.qptl))) < 0)
    if not tooCheap then return { lots = lots, quote = bnum(got), fb = fb } end
    if trims == MAX_TRIMS then break end
    lots = lots - 1
    trims = trims + 1
  end
  if fb then return { lots = 0, quote = 0, fb = true } end
  return NOTHING
end

-- the pool's marginal ask in whole ticks, rounded up, or nil when empty
local function poolAskTicks(M)
  if M.pb <= 0 or M.pq <= 0 then return nil end
  local num = bmul(bmul(big(M.pq), B_BPS), big(M.bpl))
  local den = bmul(bmul(big(M.pb), big(10000 - M.pf)), big(M.qptl))
  return bnum(bdiv(badd(num, bsub(den, B_ONE)), den))
end

-- the pool's marginal bid in whole ticks, rounded down, or nil when below one tick
local function poolBidTicks(M)
  if M.pb <= 0 or M.pq <= 0 then return nil end
  local num = bmul(bmul(big(M.pq), big(10000 - M.pf)), big(M.bpl))
  local den = bmul(bmul(big(M.pb), B_BPS), big(M.qptl))
  local t = bnum(bdiv(num, den))
  if t >= 1 then return t end
  return nil
end
