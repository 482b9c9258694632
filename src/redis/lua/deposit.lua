-- deposit (funding.ts). KEYS: 6 exchange keys. ARGV: time, maxlen, userId, asset index, asset name,
-- amount (atoms, a positive safe integer: checked by the client).
local user = ARGV[3]
local ai = tonumber(ARGV[4])
ANAME[ai] = ARGV[5]
local amount = tonumber(ARGV[6])
local s = supply(ai)
if s + amount > MAX_ATOMS then
  return reject('INVALID_AMOUNT', 'deposit would take ' .. ARGV[5] .. ' past its maximum total supply')
end
create(user)
local r = bal(user, ai)
r.a = r.a + amount
setSupply(ai, s + amount)
touch(r)
return finishCommand('{"ok":true,"available":' .. I(r.a) .. ',"locked":' .. I(r.l) .. '}', K_AEV)
