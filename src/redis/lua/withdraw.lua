-- withdraw (funding.ts): only the available balance. KEYS: 6 exchange keys. ARGV: time, maxlen,
-- userId, asset index, asset name, amount (atoms, a positive safe integer: checked by the client).
local user = ARGV[3]
local ai = tonumber(ARGV[4])
ANAME[ai] = ARGV[5]
local amount = tonumber(ARGV[6])
if not exists(user) then return reject('INSUFFICIENT_BALANCE', 'Insufficient available balance') end
local r = bal(user, ai)
if r.a < amount then return reject('INSUFFICIENT_BALANCE', 'Insufficient available balance') end
r.a = r.a - amount
setSupply(ai, supply(ai) - amount)
touch(r)
return finishCommand('{"ok":true,"available":' .. I(r.a) .. ',"locked":' .. I(r.l) .. '}', K_AEV)
