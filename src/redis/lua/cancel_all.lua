-- cancelAll (cancel-order.ts): the user's open orders in one market or in all, oldest first. KEYS: the
-- state hash, then the markets' hashes (every market in index order, or the one). ARGV: stream MAXLEN,
-- userId, market index or -1 for all, the command's time (JSON text). Events go to the market's stream
-- for one market, to the exchange stream for all; the entry's command is "<userId> <time>".
-- Reply: "<count>", ` <id> <len> <record>` each, then finishCommand's part.
local user = args[2]
local only = tonumber(args[3])
local ks = call('ZRANGE', ABASE .. 'u:' .. user, 0, -1)
if #ks == 0 then return '0' end
loadOrders(ks, 1, #ks)
local victims = {}
local markets = {}
for i = 1, #ks do
  local o = ORD[ks[i]]
  local mi = tonumber(o.mi)
  if only < 0 or mi == only then
    local M = markets[mi]
    if M == nil then
      local mkey = keys[2]
      if only < 0 then mkey = keys[2 + mi] end
      M = openMarket(spec(call('HGET', mkey, 'd')), mkey)
      markets[mi] = M
    end
    o.M = M
    victims[#victims + 1] = o
    wantBal(user, o.side == 0 and M.qi or M.bi)
  end
end
if #victims == 0 then return '0' end
wantCounters()
fetch()
OUT[1] = fmt('%d', #victims)
for i = 1, #victims do cancelResting(victims[i], ' %d %d ') end
local stream = ABASE .. 'events'
if only >= 0 then stream = markets[only].k.ev end
return finishCommand(stream, 'Y', user .. ' ' .. args[4])
