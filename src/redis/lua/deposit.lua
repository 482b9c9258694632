-- deposit (funding.ts). KEYS: the state hash. ARGV: see openFunding. Reply: finishCommand's part (one
-- balance).
local user, ai, amount, r = openFunding(args)
local s = supply(ai)
if s + amount > MAX_ATOMS then return reject('INVALID_AMOUNT') end
create()
r.a = r.a + amount
setSupply(ai, s + amount)
touch(r)
return finishCommand(ABASE .. 'events', 'D', user)
