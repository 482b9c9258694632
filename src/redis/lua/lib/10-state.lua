-- The command's working state: everything read from Redis is cached here, changed in memory, and
-- written back only by flush() at the very end. A script that fails half-way (a bug) therefore
-- writes nothing: the read-compute phase never calls a writing command.
--
-- KEYS[1..6] are the exchange-wide keys (see src/redis/keys.ts): balances, accounts, clientOrderId
-- index, counters, order-id -> market index, exchange event stream. Each market then takes 8 keys.
-- ARGV[1] is the command's time (a JSON number, copied verbatim), ARGV[2] the streams' MAXLEN.
-- The library is loaded once (a Redis function library): every per-command local below is set again
-- by begin() (40-flush.lua) at the start of each call, so nothing survives from one call to the next.
local call = redis.call
local sub = string.sub
local match = string.match
local tconcat = table.concat
local MAX_ATOMS = 9007199254740991
local FEES = 'fees'

local K_BAL, K_ACCT, K_CID, K_CTR, K_OIDX, K_AEV
local TIME, MAXLEN

local function I(x) return fmt('%d', x) end
-- an order's key: its id zero-padded, so that in a sorted set of one price, members sort by id (time)
local function OK(id) return fmt('%016d', id) end

local JCACHE = {}
local function J(s)
  local v = JCACHE[s]
  if v == nil then
    v = cjson.encode(s)
    JCACHE[s] = v
  end
  return v
end

local function reject(code, message)
  return { '{"ok":false,"code":"' .. code .. '","message":' .. J(message) .. '}', '[]' }
end

-- integer division of safe integers, exact where a / b rounds up to the next integer near 2^53
local function idiv(a, b)
  if a > 4503599627370496 then return bnum(bdiv(big(a), big(b))) end
  local q = floor(a / b)
  local r = a - q * b
  if r < 0 then q = q - 1 elseif r >= b then q = q + 1 end
  return q
end

-- JavaScript's Math.round for non-negative x (halves go up); x - floor(x) is exact
local function jsround(x)
  local f = floor(x)
  if x - f >= 0.5 then return f + 1 end
  return f
end

-- fees.ts: fee on atoms at bps, rounded up, without forming atoms × bps
local function feeOf(atoms, bps)
  if bps == 0 or atoms == 0 then return 0 end
  local q = floor(atoms / 10000)
  local r = atoms - q * 10000
  return q * bps + math.ceil((r * bps) / 10000)
end

-- counters: next order id, next trade id, accounts created, commands with events; supply per asset
local CTR = nil
local function ctr()
  if CTR == nil then
    local v = call('HMGET', K_CTR, 'oid', 'tid', 'nacct', 'cmd')
    CTR = { oid = tonumber(v[1]) or 1, tid = tonumber(v[2]) or 1, nacct = tonumber(v[3]) or 0, cmd = tonumber(v[4]) or 0, dirty = false }
  end
  return CTR
end
local SUPPLY = {}
local SUPPLY_DIRTY = {}
local SUPPLY_SEEN = {}
local function supply(ai)
  local s = SUPPLY[ai]
  if s == nil then
    s = tonumber(call('HGET', K_CTR, 's' .. ai)) or 0
    SUPPLY[ai] = s
  end
  return s
end
local function setSupply(ai, v)
  if not SUPPLY_SEEN[ai] then
    SUPPLY_SEEN[ai] = true
    SUPPLY_DIRTY[#SUPPLY_DIRTY + 1] = ai
  end
  SUPPLY[ai] = v
end

-- balances: one hash field "<asset index>:<user>" = "<available> <locked>"
local BAL = {}
local TB = {}
local ANAME = {}
local function brec(f, user, ai, v)
  local a, l = 0, 0
  if v then
    local x, y = match(v, '^(%d+) (%d+)$')
    a = tonumber(x)
    l = tonumber(y)
  end
  local r = { f = f, u = user, ai = ai, a = a, l = l, t = false }
  BAL[f] = r
  return r
end
local function bal(user, ai)
  local f = ai .. ':' .. user
  local r = BAL[f]
  if r == nil then r = brec(f, user, ai, call('HGET', K_BAL, f)) end
  return r
end
local function bal2(user, a1, a2)
  local f1, f2 = a1 .. ':' .. user, a2 .. ':' .. user
  local r1, r2 = BAL[f1], BAL[f2]
  if r1 == nil and r2 == nil then
    local v = call('HMGET', K_BAL, f1, f2)
    return brec(f1, user, a1, v[1]), brec(f2, user, a2, v[2])
  end
  if r1 == nil then r1 = bal(user, a1) end
  if r2 == nil then r2 = bal(user, a2) end
  return r1, r2
end
-- engine-state.ts touchBalance: one balance event per changed (account, asset), in first-touch order
local function touch(r)
  if not r.t then
    r.t = true
    TB[#TB + 1] = r
  end
end

-- accounts: hash user -> creation number (the engine lists accounts in creation order)
local ACCT = {}
local NEWACCT = {}
local function exists(user)
  local e = ACCT[user]
  if e == nil then
    e = call('HEXISTS', K_ACCT, user) == 1
    ACCT[user] = e
  end
  return e
end
local function create(user)
  if not exists(user) then
    local c = ctr()
    c.nacct = c.nacct + 1
    c.dirty = true
    NEWACCT[#NEWACCT + 1] = user
    NEWACCT[#NEWACCT + 1] = I(c.nacct)
    ACCT[user] = true
  end
end

local function cidField(user, cid) return #user .. ':' .. user .. cid end

local EV = {}
local function ev(s) EV[#EV + 1] = s end

-- markets: a hash of the spec and the state (book sequence, pool reserves), 8 keys from KEYS[k]
local TM = {}
local function loadMarket(k)
  local key = KEYS[k]
  local v = call('HMGET', key, 'pair', 'base', 'quote', 'bi', 'qi', 'bpl', 'qptl', 'mk', 'tk', 'amm', 'pb', 'pq', 'pf', 'seq', 'idx')
  if not v[1] then error('hooats: market not initialised: ' .. key) end
  local M = {
    k_m = key, k_bids = KEYS[k + 1], k_asks = KEYS[k + 2], k_bl = KEYS[k + 3], k_al = KEYS[k + 4],
    k_lt = KEYS[k + 5], k_o = KEYS[k + 6], k_ev = KEYS[k + 7], base = sub(key, 1, -2),
    pair = v[1], bname = v[2], qname = v[3], bi = tonumber(v[4]), qi = tonumber(v[5]),
    bpl = tonumber(v[6]), qptl = tonumber(v[7]), mk = tonumber(v[8]), tk = tonumber(v[9]),
    amm = v[10] == '1', pb = tonumber(v[11]) or 0, pq = tonumber(v[12]) or 0, pf = tonumber(v[13]) or 0,
    seq = tonumber(v[14]), idx = v[15],
    touched = false, poolTouched = false, seqChanged = false,
    lv = {}, tbids = {}, tasks = {},
    -- per side (0 bids, 1 asks): the makers read so far from the front, and how many are consumed
    cur = { [0] = { list = {}, pos = 1, off = 0 }, [1] = { list = {}, pos = 1, off = 0 } },
  }
  M.jpair = J(M.pair)
  ANAME[M.bi] = M.bname
  ANAME[M.qi] = M.qname
  return M
end
local function touchMarket(M)
  if not M.touched then
    M.touched = true
    TM[#TM + 1] = M
  end
end

-- orders: hash field OK(id) = "side|price|amount|remaining|postOnly|createdAt|#user|user..cid"
local ORD = {}
local ORDLIST = {}
local function parseOrder(M, id, s)
  local side, price, amount, rem, po, ca, ulen, pos = match(s, '^(%d)|(%d+)|(%d+)|(%d+)|(%d)|([^|]*)|(%d+)|()')
  ulen = tonumber(ulen)
  local cid = sub(s, pos + ulen)
  if cid == '' then cid = nil end
  local o = {
    id = id, M = M, user = sub(s, pos, pos + ulen - 1), side = tonumber(side), price = tonumber(price),
    amount = tonumber(amount), rem = tonumber(rem), po = po == '1', ca = ca, cid = cid, st = nil,
  }
  ORD[id] = o
  return o
end
local function packOrder(o)
  return tconcat({ o.side, I(o.price), I(o.amount), I(o.rem), o.po and '1' or '0', o.ca, I(#o.user), o.user .. (o.cid or '') }, '|')
end
-- 'new' (rests now), 'dirty' (remaining changed), 'gone' (filled or cancelled)
local function markOrder(o, st)
  if o.st == nil then ORDLIST[#ORDLIST + 1] = o end
  if o.st == 'new' then
    if st == 'gone' then error('hooats: an order rested and left in one command') end
    return
  end
  o.st = st
end

-- the records of order keys `ms` (cached or read with one HMGET per 500)
local function loadOrders(M, ms)
  local out = {}
  local missing = {}
  for i = 1, #ms do
    local id = tonumber(ms[i])
    if ORD[id] == nil then missing[#missing + 1] = ms[i] end
  end
  for s = 1, #missing, 500 do
    local e = s + 499
    if e > #missing then e = #missing end
    local v = call('HMGET', M.k_o, unpack(missing, s, e))
    for i = s, e do
      if not v[i - s + 1] then error('hooats: order ' .. missing[i] .. ' in the book but not in the order hash') end
      parseOrder(M, tonumber(missing[i]), v[i - s + 1])
    end
  end
  for i = 1, #ms do out[i] = ORD[tonumber(ms[i])] end
  return out
end

-- levels: hash field "b<price>"/"a<price>" = total lots; a sorted set per side lists the prices
local function level(M, side, price)
  local key = (side == 0 and 'b' or 'a') .. I(price)
  local lv = M.lv[key]
  if lv == nil then
    local t = tonumber(call('HGET', M.k_lt, key)) or 0
    lv = { key = key, side = side, price = price, init = t, total = t, touched = false }
    M.lv[key] = lv
  end
  return lv
end
local function touchLevel(M, lv)
  if not lv.touched then
    lv.touched = true
    local list = lv.side == 0 and M.tbids or M.tasks
    list[#list + 1] = lv
  end
  touchMarket(M)
end

-- the first order on `side` not consumed by this command (matching only ever consumes the front).
-- The first read is one member with its score (most orders only need the best price); the maker
-- records are read when a level is actually taken, then BATCH at a time.
local BATCH = 8
local function front(M, side)
  local c = M.cur[side]
  while true do
    local o = c.list[c.pos]
    if o == nil then
      local ms = call('ZRANGE', side == 0 and M.k_bids or M.k_asks, c.off, c.off + BATCH - 1)
      if #ms == 0 then return nil end
      c.list = loadOrders(M, ms)
      c.pos = 1
      o = c.list[1]
    end
    if o.st ~= 'gone' then return o end
    c.pos = c.pos + 1
    c.off = c.off + 1
  end
end
-- the best price on `side` now: one peek at the sorted set until records are read, then the front
local function bestPrice(M, side)
  local c = M.cur[side]
  if c.list[1] == nil then
    if c.peek == nil then
      local ms = call('ZRANGE', side == 0 and M.k_bids or M.k_asks, 0, 0, 'WITHSCORES')
      if #ms == 0 then
        c.peek = false
      else
        local p = tonumber(ms[2])
        if side == 0 then p = -p end
        c.peek = p
      end
    end
    if c.peek == false then return nil end
    return c.peek
  end
  local o = front(M, side)
  if o == nil then return nil end
  return o.price
end

-- views (views.ts), as JSON text with the engine's fields
local SIDE = { [0] = 'buy', [1] = 'sell' }
local function viewJson(id, cid, user, M, side, typ, price, amount, filled, status, reason, tif, po, qa, ca)
  return '{"id":' .. I(id) .. ',"clientOrderId":' .. (cid and J(cid) or 'null') .. ',"userId":' .. J(user)
    .. ',"pair":' .. M.jpair .. ',"side":"' .. SIDE[side] .. '","type":"' .. typ .. '","price":' .. I(price)
    .. ',"amount":' .. I(amount) .. ',"filled":' .. I(filled) .. ',"status":"' .. status .. '","cancelReason":'
    .. (reason and ('"' .. reason .. '"') or 'null') .. ',"timeInForce":"' .. tif .. '","postOnly":'
    .. (po and 'true' or 'false') .. ',"quoteAmount":' .. (qa and I(qa) or 'null') .. ',"createdAt":' .. ca .. '}'
end
local function restingView(o, status, reason)
  return viewJson(o.id, o.cid, o.user, o.M, o.side, 'limit', o.price, o.amount, o.amount - o.rem, status, reason, 'GTC', o.po, nil, o.ca)
end

-- funds a resting order holds: quote for a buy, base for a sell
local function lockedBy(o)
  local M = o.M
  if o.side == 0 then return o.rem * o.price * M.qptl end
  return o.rem * M.bpl
end

-- engine-state.ts cancelResting
local function cancelResting(o, reason)
  local M = o.M
  local r = bal(o.user, o.side == 0 and M.qi or M.bi)
  local release = lockedBy(o)
  r.l = r.l - release
  r.a = r.a + release
  touch(r)
  local lv = level(M, o.side, o.price)
  lv.total = lv.total - o.rem
  touchLevel(M, lv)
  markOrder(o, 'gone')
  local view = restingView(o, 'cancelled', reason)
  ev('{"type":"orderUpdated","order":' .. view .. '}')
  return view
end
