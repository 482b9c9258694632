-- Exact non-negative big integers for the AMM's products (which pass 2^53, where Lua's doubles stop
-- being exact). A number is an array of base-10^7 limbs, least significant first, normalised (no
-- leading zero limb; zero is {0}). A limb product is < 10^14 and a row's carry stays < 2^53, so every
-- step below is exact double arithmetic. Only the operations the pool math needs: add, sub (a >= b),
-- mul, divmod, isqrt, comparisons and exact conversions to and from doubles.
local floor = math.floor
local fmt = string.format
local BASE = 10000000
local TWO53 = 9007199254740992

local function bnorm(a)
  local n = #a
  while n > 1 and a[n] == 0 do
    a[n] = nil
    n = n - 1
  end
  return a
end

local function bfromstring(s)
  local a = {}
  local i = 0
  local e = #s
  while e > 0 do
    local b = e - 6
    if b < 1 then b = 1 end
    i = i + 1
    a[i] = tonumber(string.sub(s, b, e))
    e = b - 1
  end
  if i == 0 then a[1] = 0 end
  return bnorm(a)
end

-- x: a non-negative integral double (exact for every value, also past 2^53)
local function big(x)
  if x < TWO53 then
    local a = {}
    local i = 0
    repeat
      i = i + 1
      local q = floor(x / BASE)
      a[i] = x - q * BASE
      x = q
    until x == 0
    return a
  end
  return bfromstring(fmt('%.0f', x))
end

local function btostring(a)
  local n = #a
  local parts = { fmt('%d', a[n]) }
  for i = n - 1, 1, -1 do parts[#parts + 1] = fmt('%07d', a[i]) end
  return table.concat(parts)
end

-- the double nearest to a, ties to even (as JavaScript's Number(bigint)): exact below 2^53, else strtod
local function bnum(a)
  local n = #a
  if n == 1 then return a[1] end
  if n == 2 then return a[2] * BASE + a[1] end
  if n == 3 and a[3] < 90 then return (a[3] * BASE + a[2]) * BASE + a[1] end
  return tonumber(btostring(a))
end

local function bcmp(a, b)
  local na, nb = #a, #b
  if na ~= nb then return na < nb and -1 or 1 end
  for i = na, 1, -1 do
    local x, y = a[i], b[i]
    if x ~= y then return x < y and -1 or 1 end
  end
  return 0
end

local function bzero(a) return #a == 1 and a[1] == 0 end

local function badd(a, b)
  local c = {}
  local carry = 0
  local n = #a > #b and #a or #b
  for i = 1, n do
    local t = (a[i] or 0) + (b[i] or 0) + carry
    if t >= BASE then
      c[i] = t - BASE
      carry = 1
    else
      c[i] = t
      carry = 0
    end
  end
  if carry > 0 then c[n + 1] = carry end
  return c
end

-- a - b, for a >= b
local function bsub(a, b)
  local c = {}
  local borrow = 0
  for i = 1, #a do
    local t = a[i] - (b[i] or 0) - borrow
    if t < 0 then
      c[i] = t + BASE
      borrow = 1
    else
      c[i] = t
      borrow = 0
    end
  end
  if borrow ~= 0 then error('bigint: negative difference') end
  return bnorm(c)
end

local function bmul(a, b)
  local na, nb = #a, #b
  local c = {}
  for k = 1, na + nb do c[k] = 0 end
  for i = 1, na do
    local ai = a[i]
    if ai ~= 0 then
      local carry = 0
      for j = 1, nb do
        local k = i + j - 1
        local t = c[k] + ai * b[j] + carry
        carry = floor(t / BASE)
        c[k] = t - carry * BASE
      end
      local k = i + nb
      while carry > 0 do
        local t = c[k] + carry
        carry = floor(t / BASE)
        c[k] = t - carry * BASE
        k = k + 1
      end
    end
  end
  return bnorm(c)
end

-- is the segment r[j+1 .. j+nb+1] (a multiple of BASE^j) >= b?
local function segge(r, j, b, nb)
  if r[j + nb + 1] > 0 then return true end
  for i = nb, 1, -1 do
    local x, y = r[i + j], b[i]
    if x ~= y then return x > y end
  end
  return true
end

local function segsub(r, j, b, nb)
  local borrow = 0
  for i = 1, nb do
    local t = r[i + j] - b[i] - borrow
    if t < 0 then
      r[i + j] = t + BASE
      borrow = 1
    else
      r[i + j] = t
      borrow = 0
    end
  end
  r[j + nb + 1] = r[j + nb + 1] - borrow
end

-- floor(a / b) and a mod b, for b > 0
local function bdivmod(a, b)
  if bcmp(a, b) < 0 then return { 0 }, a end
  local nb = #b
  local na = #a
  if nb == 1 then
    local d = b[1]
    local q = {}
    local r = 0
    for i = na, 1, -1 do
      local t = r * BASE + a[i]
      local qi = floor(t / d)
      q[i] = qi
      r = t - qi * d
    end
    return bnorm(q), { r }
  end
  local r = {}
  for i = 1, na do r[i] = a[i] end
  r[na + 1] = 0
  local q = {}
  -- the divisor's top, scaled like the remainder's top below: the quotient digit estimate is off by <= 1
  local bt = b[nb] * BASE + b[nb - 1] + (nb >= 3 and b[nb - 2] or 0) / BASE
  for j = na - nb, 0, -1 do
    local lo = j + nb - 2
    local rt = (r[j + nb + 1] * BASE + r[j + nb]) * BASE + r[j + nb - 1] + (lo >= 1 and r[lo] or 0) / BASE
    local qh = floor(rt / bt)
    if qh >= BASE then qh = BASE - 1 end
    if qh > 0 then
      local borrow = 0
      for i = 1, nb do
        local p = qh * b[i] + borrow
        borrow = floor(p / BASE)
        local v = r[i + j] - (p - borrow * BASE)
        if v < 0 then
          v = v + BASE
          borrow = borrow + 1
        end
        r[i + j] = v
      end
      r[j + nb + 1] = r[j + nb + 1] - borrow
      while r[j + nb + 1] < 0 do
        qh = qh - 1
        local carry = 0
        for i = 1, nb do
          local t = r[i + j] + b[i] + carry
          if t >= BASE then
            r[i + j] = t - BASE
            carry = 1
          else
            r[i + j] = t
            carry = 0
          end
        end
        r[j + nb + 1] = r[j + nb + 1] + carry
      end
    end
    while segge(r, j, b, nb) do
      qh = qh + 1
      segsub(r, j, b, nb)
    end
    q[j + 1] = qh
  end
  return bnorm(q), bnorm(r)
end

local function bdiv(a, b)
  local q = bdivmod(a, b)
  return q
end

local B_ONE = { 1 }
local B_TWO = { 2 }

-- floor(sqrt(n)): Newton's iteration from an over-estimate (it then only decreases)
local function bisqrt(n)
  if bcmp(n, B_TWO) < 0 then return n end
  local s = math.sqrt(bnum(n))
  local x = big(floor(s * (1 + 1e-12)) + 2)
  while true do
    local y = bdiv(badd(x, bdiv(n, x)), B_TWO)
    if bcmp(y, x) >= 0 then return x end
    x = y
  end
end
