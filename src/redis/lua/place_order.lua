-- placeOrder (place-order.ts). KEYS: 6 exchange keys, 8 market keys. ARGV: time, maxlen, userId,
-- side (0 buy, 1 sell), isMarket (0/1), type, timeInForce, price (ticks, 0 for market), amount (lots),
-- quoteAmount ('' = none), postOnly (0/1), clientOrderId ('' = none), maxSlippageBps ('' = none),
-- selfTradePrevention, lock (atoms). The stateless checks of order-validation.ts ran in the client.
local M = loadMarket(7)
local user = ARGV[3]
local T = {
  user = user, side = tonumber(ARGV[4]), price = tonumber(ARGV[8]), amount = tonumber(ARGV[9]),
  po = ARGV[11] == '1', cid = nil, ca = TIME, M = M, st = nil,
}
if ARGV[12] ~= '' then T.cid = ARGV[12] end
local O = {
  isMarket = ARGV[5] == '1', type = ARGV[6], tif = ARGV[7], qa = nil, stp = ARGV[14], lock = tonumber(ARGV[15]), slip = nil,
}
if ARGV[10] ~= '' then O.qa = tonumber(ARGV[10]) end
if ARGV[13] ~= '' then O.slip = tonumber(ARGV[13]) end

local isBuy = T.side == 0
local known = exists(user)
if T.cid ~= nil and known and call('HEXISTS', K_CID, cidField(user, T.cid)) == 1 then
  return reject('DUPLICATE_CLIENT_ORDER_ID', 'An open order already uses this clientOrderId')
end
local lockAsset = isBuy and M.qi or M.bi
if O.lock > 0 and (not known or bal(user, lockAsset).a < O.lock) then
  return reject('INSUFFICIENT_BALANCE', 'Insufficient available balance')
end

create(user)
local c = ctr()
T.id = c.oid
c.oid = c.oid + 1
c.dirty = true
T.rem = T.amount

local function takerView(status, reason)
  local filled = T.amount - T.rem
  local amount = T.amount
  if O.qa ~= nil then amount = filled end
  return viewJson(T.id, T.cid, user, M, T.side, O.type, T.price, amount, filled, status, reason, O.tif, T.po, O.qa, T.ca)
end

local accepted = takerView('open', nil)
ev('{"type":"orderAccepted","order":' .. accepted .. '}')

local P = { bound = T.price, slip = false, budget = O.qa or 0, book = 0, amm = 0, leg = nil, fills = {} }
if O.isMarket then
  if isBuy then P.bound = MAX_ATOMS else P.bound = 0 end
end
applySlippageBound(M, T, O, P)

local stop
if T.po and wouldTake(M, T) then
  stop = 'post_only_would_take'
elseif O.tif == 'FOK' and not canFill(M, T, O, P.bound) then
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
  status = 'filled'
elseif stop == nil and not O.isMarket and O.tif == 'GTC' then
  ORD[T.id] = T
  markOrder(T, 'new')
  local lv = level(M, T.side, T.price)
  lv.total = lv.total + T.rem
  touchLevel(M, lv)
  if filledSomething then status = 'partially_filled' else status = 'open' end
else
  status = 'cancelled'
  if stop == nil or stop == 'budget_spent' then reason = 'ioc_remainder' else reason = stop end
  if O.lock > 0 and stop ~= 'post_only_would_take' and stop ~= 'fok_not_fillable' then
    local r = bal(user, lockAsset)
    local release = lockedBy(T)
    r.l = r.l - release
    r.a = r.a + release
    touch(r)
  end
end
local view = accepted
if status ~= 'open' then
  view = takerView(status, reason)
  ev('{"type":"orderUpdated","order":' .. view .. '}')
end
return finishCommand('{"ok":true,"order":' .. view .. ',"fills":[' .. tconcat(P.fills, ',') .. '],"route":{"book":'
  .. I(P.book) .. ',"amm":' .. I(P.amm) .. '}}', M.k_ev)
