-- cancelOrder (cancel-order.ts). The command names no market, so the script gets every market's 8
-- keys and finds the order's market in the order index: one script, so commands pipelined on one
-- connection keep their order. KEYS: 6 exchange keys, then 8 per market (in market index order).
-- ARGV: time, maxlen, userId, order key (the id zero-padded to 16 digits).
local key = ARGV[4]
local idx = call('HGET', K_OIDX, key)
if not idx then return reject('NOT_FOUND', 'no such open order') end
local M = loadMarket(7 + tonumber(idx) * 8)
local s = call('HGET', M.k_o, key)
if not s then error('hooats: order ' .. key .. ' indexed but not in its market') end
local o = parseOrder(M, tonumber(key), s)
if o.user ~= ARGV[3] then return reject('NOT_FOUND', 'no such open order') end
local view = cancelResting(o, 'user')
return finishCommand('{"ok":true,"order":' .. view .. '}', M.k_ev)
