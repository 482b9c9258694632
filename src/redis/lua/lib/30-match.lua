-- Matching: book-taker.ts, pool-taker.ts, router.ts and the arrival checks of place-order.ts.
-- T is the incoming order {id, user, side, price, amount, rem, po, cid, M}; O its shape
-- {isMarket, tif, qa, stp, lock, slip}; P its progress {bound, slip, budget, leg}.
-- The output gets one step per trade or self-trade cancel, in event order (src/redis/reply.ts):
-- ` B<lots> <id> <len> <maker record>` (book), ` A<lots> <quote>` (pool), ` X<id> <len> <record>` (STP).

-- a trade takes the next trade id (the client numbers them from the header's first id)
local function recordTrade()
  if TID0 == nil then TID0 = CT.tid end
  NTRADE = NTRADE + 1
end

-- one book trade of `lots` at the maker's price (book-taker.ts trade)
local function trade(M, maker, T, O, lots, P)
  local price = maker.price
  local quote = price * lots * M.qptl
  local base = lots * M.bpl
  local tq, tb = bal(T.user, M.qi), bal(T.user, M.bi)
  local mq, mb = bal(maker.user, M.qi), bal(maker.user, M.bi)
  local tf, mf
  local isBuy = T.side == 0
  if isBuy then
    if O.isMarket then
      tq.a = tq.a - quote
      P.budget = P.budget - quote
    else
      tq.l = tq.l - lots * T.price * M.qptl
      tq.a = tq.a + (T.price - price) * lots * M.qptl
    end
    tf = feeOf(base, M.tk)
    tb.a = tb.a + (base - tf)
    mb.l = mb.l - base
    mf = feeOf(quote, M.mk)
    mq.a = mq.a + (quote - mf)
  else
    if O.isMarket then tb.a = tb.a - base else tb.l = tb.l - base end
    tf = feeOf(quote, M.tk)
    tq.a = tq.a + (quote - tf)
    mq.l = mq.l - quote
    mf = feeOf(base, M.mk)
    mb.a = mb.a + (base - mf)
  end
  local ftake, fmake
  if tf ~= 0 then
    ftake = bal(FEES, isBuy and M.bi or M.qi)
    ftake.a = ftake.a + tf
  end
  if mf ~= 0 then
    fmake = bal(FEES, isBuy and M.qi or M.bi)
    fmake.a = fmake.a + mf
  end
  touch(tq)
  touch(tb)
  touch(mq)
  touch(mb)
  if ftake then touch(ftake) end
  if fmake then touch(fmake) end

  T.rem = T.rem - lots
  maker.rem = maker.rem - lots
  local lv = level(M, maker.side, price)
  lv.delta = lv.delta - lots
  recordTrade()
  OUT[#OUT + 1] = fmt(' B%d %d %d ', lots, maker.id, #maker.rec)
  OUT[#OUT + 1] = maker.rec
  if maker.rem == 0 then markOrder(maker, 'gone') else markOrder(maker, 'dirty') end
end

local STP_CANCEL_MAKER, STP_CANCEL_TAKER = 0, 1

-- takes the level at `price` FIFO, with self-trade prevention and a market order's funds or budget
local function takeLevel(M, price, T, O, P)
  local opp = 1 - T.side
  local isBuy = T.side == 0
  while T.rem > 0 do
    local maker = front(M, opp, P.hi)
    if maker == nil or maker.price ~= price then return nil end
    if maker.user == T.user then
      local stp = O.stp
      if stp ~= STP_CANCEL_TAKER then cancelResting(maker, ' X%d %d ') end
      if stp ~= STP_CANCEL_MAKER then return 'self_trade' end
    else
      local lots = T.rem < maker.rem and T.rem or maker.rem
      if O.isMarket then
        local lotCost = isBuy and price * M.qptl or M.bpl
        local spendable = bal(T.user, isBuy and M.qi or M.bi).a
        local budgetBinds = O.qa ~= nil and P.budget <= spendable
        if O.qa ~= nil and P.budget < spendable then spendable = P.budget end
        local affordable = floor(spendable / lotCost)
        if affordable < lots then lots = affordable end
        if lots == 0 then return budgetBinds and 'budget_spent' or 'insufficient_balance' end
      end
      trade(M, maker, T, O, lots, P)
    end
  end
  return nil
end

-- funds the taker can use on the pool: a market order its available balance, a limit order its lock
local function takerFunds(M, T, O)
  local isBuy = T.side == 0
  if O.isMarket then return bal(T.user, isBuy and M.qi or M.bi).a end
  if isBuy then return T.rem * T.price * M.qptl end
  return T.rem * M.bpl
end

local function planFor(M, leg, T, O, target, wanted, funds, budget)
  if T.side == 0 then
    local spendable = funds
    if O.qa ~= nil and budget < funds then spendable = budget end
    return planPoolBuy(M, leg, target, wanted, spendable, O.isMarket and 0 or T.price)
  end
  return planPoolSell(M, leg, target, wanted, floor(funds / M.bpl), O.isMarket and 0 or T.price)
end

local function fillFromPool(M, T, O, P, lots, quote)
  local base = lots * M.bpl
  local tq, tb = bal(T.user, M.qi), bal(T.user, M.bi)
  local fee
  if T.side == 0 then
    if O.isMarket then
      tq.a = tq.a - quote
      P.budget = P.budget - quote
    else
      local locked = lots * T.price * M.qptl
      tq.l = tq.l - locked
      tq.a = tq.a + (locked - quote)
    end
    M.pq = M.pq + quote
    M.pb = M.pb - base
    fee = feeOf(base, M.tk)
    tb.a = tb.a + (base - fee)
    if fee ~= 0 then
      local f = bal(FEES, M.bi)
      f.a = f.a + fee
      touch(f)
    end
  else
    if O.isMarket then tb.a = tb.a - base else tb.l = tb.l - base end
    M.pb = M.pb + base
    M.pq = M.pq - quote
    fee = feeOf(quote, M.tk)
    tq.a = tq.a + (quote - fee)
    if fee ~= 0 then
      local f = bal(FEES, M.qi)
      f.a = f.a + fee
      touch(f)
    end
  end
  touch(tq)
  touch(tb)
  M.poolTouched = true
  touchMarket(M)
  T.rem = T.rem - lots
  recordTrade()
  OUT[#OUT + 1] = fmt(' A%d %d', lots, quote)
end

local function takeFromPool(M, T, O, P, target)
  local funds = takerFunds(M, T, O)
  if P.leg == nil then P.leg = startLeg(M) end
  local leg = P.leg
  local plan = planFor(M, leg, T, O, target, T.rem, funds, P.budget)
  if plan.lots > 0 then
    extendLeg(leg, M, plan)
    fillFromPool(M, T, O, P, plan.lots, plan.quote)
  end
  if not plan.fb then return nil end
  if O.qa ~= nil and P.budget <= bal(T.user, M.qi).a then return 'budget_spent' end
  return 'insufficient_balance'
end

local function finalTarget(T, P)
  if T.side == 0 then
    if P.bound >= MAX_ATOMS then return nil end
    return P.bound
  end
  if P.bound <= 0 then return nil end
  return P.bound
end

-- router.ts takeLiquidity: the pool up to each level's price, then the level, best first
local function takeLiquidity(M, T, O, P)
  local isBuy = T.side == 0
  local opp = 1 - T.side
  while T.rem > 0 do
    if O.qa ~= nil and P.budget < M.qptl and P.budget <= bal(T.user, M.qi).a then return 'budget_spent' end
    -- the best level within the bound (the cursor reads no further)
    local lp = frontPrice(M, opp, P.hi)
    local within = lp ~= nil
    if M.amm then
      local target
      if within then target = lp else target = finalTarget(T, P) end
      local stop = takeFromPool(M, T, O, P, target)
      if stop ~= nil then return stop end
      if T.rem == 0 then return nil end
    end
    if not within then
      if P.slip and (M.amm or bestPrice(M, opp) ~= nil) then return 'slippage_limit' end
      return nil
    end
    local stop = takeLevel(M, lp, T, O, P)
    if stop ~= nil then return stop end
  end
  return nil
end

-- router.ts canFillCompletely: the same walk on copies, reading the book without consuming it
local function canFill(M, T, O, bound)
  local isBuy = T.side == 0
  local need = T.rem
  local funds = takerFunds(M, T, O)
  local leg = nil
  if M.amm then leg = startLeg(M) end
  local function takePool(target)
    if leg == nil then return true end
    local plan = planFor(M, leg, T, O, target, need, funds, funds)
    if plan.lots > 0 then
      extendLeg(leg, M, plan)
      need = need - plan.lots
      if isBuy then funds = funds - plan.quote else funds = funds - plan.lots * M.bpl end
    end
    return not plan.fb
  end
  local key = M.k[1 - T.side]
  local off = 0
  local cur = nil
  local lotCost = 0
  local result = nil
  local beyond = false
  while result == nil and not beyond do
    local ms = call('ZRANGE', key, off, off + 31)
    if #ms == 0 then break end
    off = off + #ms
    loadOrders(ms, 1, #ms)
    for i = 1, #ms do
      local mk = ORD[ms[i]]
      if mk.price ~= cur then
        if (isBuy and mk.price > bound) or (not isBuy and mk.price < bound) then
          beyond = true
          break
        end
        cur = mk.price
        if not takePool(cur) then
          result = need == 0
          break
        end
        if need == 0 then
          result = true
          break
        end
        if isBuy then lotCost = cur * M.qptl else lotCost = M.bpl end
      end
      if mk.user == T.user then
        if O.stp ~= STP_CANCEL_MAKER then
          result = false
          break
        end
      else
        local lots = need < mk.rem and need or mk.rem
        if O.isMarket then
          if floor(funds / lotCost) < lots then
            result = false
            break
          end
          funds = funds - lots * lotCost
        elseif isBuy then
          funds = funds - lots * T.price * M.qptl
        else
          funds = funds - lots * M.bpl
        end
        need = need - lots
        if need == 0 then
          result = true
          break
        end
      end
    end
  end
  if result ~= nil then return result end
  if need > 0 then
    local target = bound
    if (isBuy and bound >= MAX_ATOMS) or (not isBuy and bound <= 0) then target = nil end
    takePool(target)
  end
  return need == 0
end

-- place-order.ts bestOpposite: the best opposite price on arrival over the book and the pool
local function bestOpposite(M, T)
  local isBuy = T.side == 0
  local best = bestPrice(M, 1 - T.side)
  if M.amm then
    local pt
    if isBuy then pt = poolAskTicks(M) else pt = poolBidTicks(M) end
    if pt ~= nil and (best == nil or (isBuy and pt < best) or (not isBuy and pt > best)) then best = pt end
  end
  return best
end

local function wouldTake(M, T)
  local isBuy = T.side == 0
  local f = bestPrice(M, 1 - T.side)
  if f ~= nil and ((isBuy and f <= T.price) or (not isBuy and f >= T.price)) then return true end
  if not M.amm then return false end
  local leg = startLeg(M)
  local plan
  if isBuy then
    plan = planPoolBuy(M, leg, T.price, 1, MAX_ATOMS, T.price)
  else
    plan = planPoolSell(M, leg, T.price, 1, 1, T.price)
  end
  return plan.lots > 0
end

local function applySlippageBound(M, T, O, P)
  if O.slip == nil then return end
  local best = bestOpposite(M, T)
  if best == nil then return end
  local q = floor(best / 10000)
  local r = best - q * 10000
  local move = q * O.slip + floor((r * O.slip) / 10000)
  local isBuy = T.side == 0
  local bound
  if isBuy then bound = best + move else bound = best - move end
  if (isBuy and bound < P.bound) or (not isBuy and bound > P.bound) then
    P.bound = bound
    P.slip = true
  end
end
