-- deposit (funding.ts). KEYS: the state hash. ARGV: stream MAXLEN, userId, asset index, amount (atoms,
-- a positive safe integer: checked by the client). Reply: finishCommand's part (one balance).
local user = args[2]
local ai = tonumber(args[3])
local amount = tonumber(args[4])
wantSupply(ai)
wantUser(user)
wantCounters()
local r = wantBal(user, ai)
fetch()
local s = supply(ai)
if s + amount > MAX_ATOMS then return reject('INVALID_AMOUNT') end
create()
r.a = r.a + amount
setSupply(ai, s + amount)
touch(r)
return finishCommand(ABASE .. 'events', 'D', user)
