-- cancelOrder and cancelByClientOrderId (cancel-order.ts). The command names no market: the order's
-- record says which. KEYS: the state hash, then every market's hash in market index order. ARGV: stream
-- MAXLEN, order key (the id zero-padded to 16 digits; empty when a clientOrderId follows), userId, the
-- command's time (JSON text), then for a cancel by clientOrderId that id. Reply: "1",
-- ` <id> <len> <record>`, then finishCommand's part. The stream entry's command is "<order key> <time>"
-- for both: a cancel by clientOrderId reads back as the cancel of the order it found.
local k, user = args[2], args[3]
if args[5] ~= nil then
  -- the index holds the id as plain digits; the order hash is keyed by the padded form
  local id = call('HGET', ABASE .. 'cid', cidField(user, args[5]))
  if not id then return reject('NOT_FOUND') end
  k = OK(tonumber(id))
end
local rec = call('HGET', ABASE .. 'o', k)
if not rec then return reject('NOT_FOUND') end
local o = parseOrder(k, rec)
if o.user ~= user then return reject('NOT_FOUND') end
local mkey = keys[2 + tonumber(o.mi)]
local M = openMarket(spec(call('HGET', mkey, 'd')), mkey)
o.M = M
wantBal(user, o.side == 0 and M.qi or M.bi)
wantCounters()
fetch()
OUT[1] = '1'
cancelResting(o, ' %d %d ')
return finishCommand(M.k.ev, 'X', k .. ' ' .. args[4])
