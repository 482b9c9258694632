-- placeOrder (place-order.ts). KEYS: the state hash, the market hash. ARGV: stream MAXLEN, the market
-- descriptor, the order descriptor "<mi> <side> <price> <ulen> <tlen> <amount> <po> <type> <tif> <qa>
-- <slip> <stp> <lock>|<time><user><cid>" (src/redis/wire.ts; the stateless checks of
-- order-validation.ts ran in the client). Reply: "<id> <first trade id> <status> <reason> <remaining>",
-- the steps of 30-match.lua, then finishCommand's part.
local S = spec(args[2])
local M = openMarket(S, keys[2])
local C = args[3]
local _, side, price, ulen, tlen, amount, po, typ, tif, qa, slip, stp, lock, pos =
  match(C, '^(%d+) (%d) (%d+) (%d+) (%d+) (%d+) (%d) (%d) (%d) (%d+) (%-?%d+) (%d) (%d+)|()')
if pos == nil then error('hooats: bad order descriptor') end
local us = pos + tonumber(tlen)
local ue = us + tonumber(ulen)
local user = sub(C, us, ue - 1)
local T = TAKER
T.user, T.side, T.price, T.amount, T.po = user, side == '0' and 0 or 1, tonumber(price), tonumber(amount), po == '1'
T.cid, T.M, T.st, T.desc, T.id, T.k, T.rem = nil, M, nil, C, nil, nil, nil
if ue <= #C then T.cid = sub(C, ue) end
local O = SHAPE
O.isMarket, O.tif, O.qa = typ == '1', tif == '0' and 0 or (tif == '1' and 1 or 2), nil
O.stp, O.lock, O.slip = stp == '0' and 0 or (stp == '1' and 1 or 2), 0, nil
if lock ~= '0' then O.lock = tonumber(lock) end
if qa ~= '0' then O.qa = tonumber(qa) end
if slip ~= '-1' then O.slip = tonumber(slip) end
local isBuy = T.side == 0
local opp = 1 - T.side

-- every read first: the counters, the taker's balances and account, the crossing makers and theirs
wantCounters()
wantUser(user)
local P = PROGRESS
P.bound, P.slip, P.budget, P.leg, P.open, P.hi = T.price, false, O.qa or 0, nil, O.isMarket, nil
if O.isMarket then
  if isBuy then P.bound = MAX_ATOMS else P.bound = 0 end
end
local priceText = price
if O.slip ~= nil then
  fetch()
  loadPool(M)
  applySlippageBound(M, T, O, P)
  if P.slip then
    P.open = false
    priceText = nil
  end
end
P.hi = crossingScore(P, priceText, isBuy)
if not T.po then guessMakers(M, opp, T.amount, P.hi) end
-- a limit order that meets nothing touches only what it locks; anything else both assets and the fees
if M.amm or O.isMarket or (M.cur[opp] ~= nil and M.cur[opp].n > 0) then
  wantBal(user, M.qi)
  wantBal(user, M.bi)
  wantBal(FEES, M.bi)
  wantBal(FEES, M.qi)
else
  wantBal(user, isBuy and M.qi or M.bi)
end
fetch()
loadPool(M)

local known = exists()
if T.cid ~= nil and known and call('HEXISTS', ABASE .. 'cid', cidField(user, T.cid)) == 1 then
  return reject('DUPLICATE_CLIENT_ORDER_ID')
end
local lockAsset = isBuy and M.qi or M.bi
if O.lock > 0 and (not known or bal(user, lockAsset).a < O.lock) then
  return reject('INSUFFICIENT_BALANCE')
end

create()
T.id = CT.oid
CT.oid = T.id + 1
CT.oidChanged = true
T.k = OK(T.id)
T.rem = T.amount

local stop
if T.po and wouldTake(M, T) then
  stop = 'post_only_would_take'
elseif O.tif == 2 and not canFill(M, T, O, P.bound) then
  stop = 'fok_not_fillable'
else
  if O.lock > 0 then
    local r = bal(user, lockAsset)
    r.a = r.a - O.lock
    r.l = r.l + O.lock
    touch(r)
  end
  stop = takeLiquidity(M, T, O, P)
end

-- place-order.ts finish: rest a GTC limit remainder, or cancel the rest with its reason
local status
local reason = nil
local filledSomething = T.rem < T.amount
if T.rem == 0 or (stop == 'budget_spent' and filledSomething) then
  status = 2
elseif stop == nil and not O.isMarket and O.tif == 0 then
  markOrder(T, 'new')
  local lv = level(M, T.side, T.price)
  lv.delta = lv.delta + T.rem
  if filledSomething then status = 1 else status = 0 end
else
  status = 3
  if stop == nil or stop == 'budget_spent' then reason = 'ioc_remainder' else reason = stop end
  if O.lock > 0 and stop ~= 'post_only_would_take' and stop ~= 'fok_not_fillable' then
    local r = bal(user, lockAsset)
    local release = lockedBy(T)
    r.l = r.l - release
    r.a = r.a + release
    touch(r)
  end
end
OUT[1] = fmt('%d %d %d %d %d', T.id, TID0 or 0, status, REASONS[reason] or 0, T.rem)
return finishCommand(M.k.ev, 'O', C)
