-- withdraw (funding.ts): only the available balance. KEYS: the state hash. ARGV: stream MAXLEN, userId,
-- asset index, amount (atoms, a positive safe integer: checked by the client). Reply: finishCommand's part.
local user = args[2]
local ai = tonumber(args[3])
local amount = tonumber(args[4])
wantSupply(ai)
wantUser(user)
wantCounters()
local r = wantBal(user, ai)
fetch()
if not exists() then return reject('INSUFFICIENT_BALANCE') end
if r.a < amount then return reject('INSUFFICIENT_BALANCE') end
r.a = r.a - amount
setSupply(ai, supply(ai) - amount)
touch(r)
return finishCommand(ABASE .. 'events', 'W', user)
