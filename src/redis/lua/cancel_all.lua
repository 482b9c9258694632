-- cancelAll (cancel-order.ts): the user's open orders in one market or in all, oldest first.
-- KEYS: 6 exchange keys, then 8 per market in scope. ARGV: time, maxlen, userId, market count.
-- Events go to the market's stream for one market, to the exchange stream for all.
local user = ARGV[3]
local n = tonumber(ARGV[4])
local victims = {}
local first = nil
for i = 1, n do
  local M = loadMarket(7 + (i - 1) * 8)
  if first == nil then first = M end
  local ms = call('ZRANGE', M.base .. 'uo:' .. user, 0, -1)
  if #ms > 0 then
    local list = loadOrders(M, ms)
    for j = 1, #list do victims[#victims + 1] = list[j] end
  end
end
table.sort(victims, function(a, b) return a.id < b.id end)
local ids = {}
for i = 1, #victims do
  cancelResting(victims[i], 'user')
  ids[i] = I(victims[i].id)
end
local stream = K_AEV
if n == 1 then stream = first.k_ev end
return finishCommand('{"ok":true,"cancelled":[' .. tconcat(ids, ',') .. ']}', stream)
