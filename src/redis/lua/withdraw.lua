-- withdraw (funding.ts): only the available balance. KEYS: the state hash. ARGV: see openFunding.
-- Reply: finishCommand's part.
local user, ai, amount, r = openFunding(args)
if not exists() then return reject('INSUFFICIENT_BALANCE') end
if r.a < amount then return reject('INSUFFICIENT_BALANCE') end
r.a = r.a - amount
setSupply(ai, supply(ai) - amount)
touch(r)
return finishCommand(ABASE .. 'events', 'W', user)
