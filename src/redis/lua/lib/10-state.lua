-- The command's working state: everything read from Redis is cached here, changed in memory, and
-- written back only by the write phase (40-flush.lua) at the very end. A script that fails half-way
-- (a bug) therefore writes nothing: the read-compute phase never calls a writing command.
--
-- Keys (src/redis/keys.ts): KEYS[1] is the exchange's state hash `<A>s`; the other exchange keys
-- share its base <A> (`o` orders, `cid`, `u:<user>`, `events`). Market keys are `<Mb>m` (spec),
-- `<Mb>bids`/`asks`/`bl`/`al`/`lt`/`events`, found from the market hash's name.
-- The state hash holds every scalar: counters `oid` `tid` `cmd` `nacct`, supply `s<asset>`, book
-- sequence `q<market>`, pool `pb<market>` `pq<market>`, accounts `n:<user>` and balances
-- `a<asset>:<user>` (available) and `l<asset>:<user>` (locked), so one HMGET reads what a command needs
-- and one HSET writes it back.
-- The library is loaded once (a Redis function library): every per-command local below is set again by
-- begin() (40-flush.lua) at the start of each call, so nothing survives from one call to the next; the
-- only library-level tables are caches of pure functions of their key (SPECS, KEYNAMES).
local call = redis.call
local sub = string.sub
local find = string.find
local match = string.match
local tconcat = table.concat
local MAX_ATOMS = 9007199254740991
local FEES = 'fees'

local K_S, ABASE, MAXLEN
local WF, WR, WK, NW = {}, {}, {}, 0
local CT = { oid = 0, tid = 0, cmd = 0, nacct = 0, ok = false, oidChanged = false }
local USER
local SUP, SUPD = {}, {}
local BALS, ORD = {}, nil
local TB, ORDLIST, TM, OUT = {}, {}, {}, {}
-- place_order's taker {user, side, price, amount, po, cid, M, st, desc, id, k, rem}, its shape
-- {isMarket, tif, qa, stp, lock, slip} and its progress {bound, slip, budget, leg, open, hi}: every
-- field set again by each order
local TAKER, SHAPE, PROGRESS = {}, {}, {}
local TID0, NTRADE

-- field-name prefixes per asset index (pure caches: Lua formats a number in a concatenation slowly)
local function prefixes(head)
  return setmetatable({}, { __index = function(t, ai)
    local v = head .. fmt('%d', ai) .. (head == 's' and '' or ':')
    rawset(t, ai, v)
    return v
  end })
end
local APFX, LPFX, SPFX = prefixes('a'), prefixes('l'), prefixes('s')

local function OK(id) return fmt('%016d', id) end

local function reject(code) return '!' .. code end

-- cancel reasons in the reply header (src/redis/reply.ts has the same list)
local REASONS = {
  user = 1, ioc_remainder = 2, fok_not_fillable = 3, post_only_would_take = 4, self_trade = 5,
  slippage_limit = 6, insufficient_balance = 7,
}

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

-- The state hash's fields are read into records, never into one growing map (growing Lua tables
-- rehash at every power of two, which cost more than the Redis calls): want(rec, key, field) queues
-- `field` for the next HMGET, whose value lands in rec[key] (a number, 0 when missing).
local function want(rec, key, field)
  local n = NW + 1
  NW = n
  WF[n] = field
  WR[n] = rec
  WK[n] = key
end
-- reads every wanted field in one HMGET
local function fetch()
  local n = NW
  if n == 0 then return end
  local v = call('HMGET', K_S, unpack(WF, 1, n))
  for i = 1, n do
    local r = WR[i]
    r[WK[i]] = tonumber(v[i]) or 0
    r.ok = true
  end
  NW = 0
end
-- counters: next order id, next trade id, commands with events, accounts created
local function wantCounters()
  want(CT, 'oid', 'oid')
  want(CT, 'tid', 'tid')
  want(CT, 'cmd', 'cmd')
end
-- supply per asset (deposits, withdrawals, liquidity)
local function wantSupply(ai)
  if SUP[ai] == nil then
    local r = { v = 0, f = SPFX[ai], ok = false, dirty = false }
    SUP[ai] = r
    want(r, 'v', r.f)
  end
end
local function supply(ai)
  wantSupply(ai)
  local r = SUP[ai]
  if not r.ok then fetch() end
  return r.v
end
local function setSupply(ai, v)
  local r = SUP[ai]
  if not r.dirty then
    r.dirty = true
    SUPD[#SUPD + 1] = r
  end
  r.v = v
end

-- markets: the spec comes as the client's descriptor "mi bi qi bpl qptl mk tk amm pf" (the same text
-- init stored in the market hash as `d`); parsed once per distinct text (a pure function of it)
local SPECS, NSPECS = {}, 0
local function spec(d)
  local s = SPECS[d]
  if s == nil then
    local mi, bi, qi, bpl, qptl, mk, tk, amm, pf = match(d, '^(%d+) (%d+) (%d+) (%d+) (%d+) (%d+) (%d+) (%d) (%d+)$')
    if mi == nil then error('hooats: bad market descriptor ' .. d) end
    s = {
      mi = tonumber(mi), bi = tonumber(bi), qi = tonumber(qi), bpl = tonumber(bpl), qptl = tonumber(qptl),
      mk = tonumber(mk), tk = tonumber(tk), amm = amm == '1', pf = tonumber(pf),
      fseq = 'q' .. mi, fpb = 'pb' .. mi, fpq = 'pq' .. mi,
    }
    if NSPECS > 1000 then SPECS, NSPECS = {}, 0 end
    SPECS[d] = s
    NSPECS = NSPECS + 1
  end
  return s
end
-- a market's key names from its hash's name `<base>m`
local KEYNAMES = {}
local function keynames(key)
  local k = KEYNAMES[key]
  if k == nil then
    local base = sub(key, 1, -2)
    k = { [0] = base .. 'bids', [1] = base .. 'asks', bl = base .. 'bl', al = base .. 'al', lt = base .. 'lt', ev = base .. 'events' }
    KEYNAMES[key] = k
  end
  return k
end

-- Tables are reused from call to call where a command needs a fresh one of the same shape: in Redis's
-- Lua, allocating (and later collecting) a table costs about as much as a redis.call, so the
-- containers below are emptied by begin() / openMarket() instead of made anew. Nothing they held
-- survives: every field a command reads is set again first.
local function clearMap(t)
  for k in pairs(t) do t[k] = nil end
end
local function clearList(t)
  for i = #t, 1, -1 do t[i] = nil end
end

-- the command's view of a market: its spec, book cursors, touched levels, pool and sequence; one view
-- per market hash, reset when a command opens it (a command opens each market once)
local VIEWS = {}
local function openMarket(S, key)
  local M = VIEWS[key]
  if M == nil or M.S ~= S then
    M = {
      S = S, k = keynames(key), mi = S.mi, bi = S.bi, qi = S.qi, bpl = S.bpl, qptl = S.qptl, mk = S.mk, tk = S.tk,
      amm = S.amm, pf = S.pf, pb = 0, pq = 0, seq = 0, ok = false, touched = false, poolTouched = false,
      lv = { [0] = {}, [1] = {} }, tb = {}, ta = {}, cur = {}, spare = {},
    }
    VIEWS[key] = M
  else
    M.pb, M.pq, M.seq, M.ok, M.touched, M.poolTouched = 0, 0, 0, false, false, false
    clearMap(M.lv[0])
    clearMap(M.lv[1])
    clearList(M.tb)
    clearList(M.ta)
    M.cur[0], M.cur[1] = nil, nil
  end
  want(M, 'seq', S.fseq)
  if S.amm then
    want(M, 'pb', S.fpb)
    want(M, 'pq', S.fpq)
  end
  return M
end
-- after fetch(): the pool's reserves are loaded
local function loadPool(M)
  if not M.ok then fetch() end
end
local function touchMarket(M)
  if not M.touched then
    M.touched = true
    TM[#TM + 1] = M
  end
end

-- balances: a record per (user, asset), from the fields a<ai>:<user> and l<ai>:<user>, found by its
-- `a` field name (an interned string: one lookup). The records are pooled across calls (NBAL in use).
local BPOOL, NBAL = {}, 0
local function wantBal(user, ai)
  local fa = APFX[ai] .. user
  local r = BALS[fa]
  if r == nil then
    NBAL = NBAL + 1
    r = BPOOL[NBAL]
    if r == nil then
      r = {}
      BPOOL[NBAL] = r
    end
    r.u, r.ai, r.fa, r.fl, r.a, r.l, r.t, r.ok = user, ai, fa, LPFX[ai] .. user, 0, 0, false, false
    BALS[fa] = r
    want(r, 'a', fa)
    want(r, 'l', r.fl)
  end
  return r
end
-- forgets the command's balances (begin()): their names leave the map, the records stay pooled
local function dropBalances()
  for i = 1, NBAL do BALS[BPOOL[i].fa] = nil end
  NBAL = 0
end
local function bal(user, ai)
  local r = wantBal(user, ai)
  if not r.ok then fetch() end
  return r
end
-- engine-state.ts touchBalance: one balance event per changed (account, asset), in first-touch order
local function touch(r)
  if not r.t then
    r.t = true
    TB[#TB + 1] = r
  end
end

-- the command's user: exists when its creation number n:<user> does; created with the next number
local USER_RECORD = {}
local function wantUser(user)
  USER = USER_RECORD
  USER.n, USER.u, USER.ok, USER.new = 0, user, false, false
  want(USER, 'n', 'n:' .. user)
end
local function exists() return USER.n ~= 0 end
local function create()
  if USER.n == 0 then
    local nacct = { v = 0 }
    want(nacct, 'v', 'nacct')
    fetch()
    CT.nacct = nacct.v + 1
    USER.n = CT.nacct
    USER.new = true
  end
end

local function cidField(user, cid) return #user .. ':' .. user .. cid end

-- deposit and withdraw (funding.ts): ARGV stream MAXLEN, userId, asset index, amount (atoms, a positive
-- safe integer: checked by the client); reads the asset's supply, the user and its balance
local function openFunding(args)
  local user = args[2]
  local ai = tonumber(args[3])
  wantSupply(ai)
  wantUser(user)
  wantCounters()
  local r = wantBal(user, ai)
  fetch()
  return user, ai, tonumber(args[4]), r
end

-- orders: hash <A>o, field OK(id) = record "<rem> <mi> <side> <price> <ulen> <tlen> <amount> <po>
-- <type> <tif> <qa> <slip> <stp> <lock>|<time><user><cid>" (ulen, tlen in bytes): the remaining
-- amount, then the client's order descriptor as it was placed (src/redis/wire.ts)
local function parseOrder(k, rec)
  local rem, mi, side, price, ulen, tlen, pos = match(rec, '^(%d+) (%d+) (%d) (%d+) (%d+) (%d+) [^|]*|()')
  if rem == nil then error('hooats: bad order record ' .. k) end
  local us = pos + tonumber(tlen)
  local ue = us + tonumber(ulen)
  local cid = nil
  if ue <= #rec then cid = sub(rec, ue) end
  local o = {
    k = k, id = tonumber(k), rec = rec, rem = tonumber(rem), mi = mi, side = side == '0' and 0 or 1,
    price = tonumber(price), user = sub(rec, us, ue - 1), cid = cid, st = nil, M = nil,
  }
  ORD[k] = o
  return o
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
-- the records of order keys ks[from..to] not cached yet, with one HMGET per 500
local function loadOrders(ks, from, to)
  local missing = {}
  for i = from, to do
    if ORD[ks[i]] == nil then missing[#missing + 1] = ks[i] end
  end
  for s = 1, #missing, 500 do
    local e = s + 499
    if e > #missing then e = #missing end
    local v = call('HMGET', ABASE .. 'o', unpack(missing, s, e))
    for i = s, e do
      if not v[i - s + 1] then error('hooats: order ' .. missing[i] .. ' in the book but not in the order hash') end
      parseOrder(missing[i], v[i - s + 1])
    end
  end
end

-- the score bound of a taker's cursor (see cursor): its limit, or everything for a market order
local function crossingScore(P, priceText, isBuy)
  if P.open then return '+inf' end
  local t = priceText
  if t == nil then t = fmt('%d', P.bound) end
  if isBuy then return t end
  return '-' .. t
end

-- levels: hash <Mb>lt field "b<price>"/"a<price>" = total lots; <Mb>bl/al list the prices. The command
-- only counts each touched level's change; the write phase applies it with HINCRBY.
local function level(M, side, price)
  local lvs = M.lv[side]
  local lv = lvs[price]
  if lv == nil then
    lv = { side = side, price = price, delta = 0 }
    lvs[price] = lv
    local list = side == 0 and M.tb or M.ta
    list[#list + 1] = lv
  end
  touchMarket(M)
  return lv
end

-- the book, read from the front in batches of keys: BYSCORE up to the taker's bound, so an order that
-- does not cross reads nothing but an empty range (prices come from the records, read with the keys).
-- c.ks are the keys read, c.pos the first not consumed, c.more whether more within the bound may follow.
-- A batch starts at the offset of the keys already read (consumed makers leave the set only at the
-- flush), which costs O(offset): each batch doubles, up to MAX_BATCH, so a taker that walks through
-- N makers (e.g. cancelling its own 40,000 resting orders) costs O(N), not O(N^2 / 8).
local BATCH = 8
local MAX_BATCH = 1024
-- `hi`: the highest score that crosses, as text (score: -price for bids, price for asks)
local function cursor(M, side, hi)
  local c = M.cur[side]
  if c == nil then
    c = M.spare[side]
    if c == nil then
      c = { ks = {} }
      M.spare[side] = c
    else
      clearList(c.ks)
    end
    c.n, c.pos, c.more, c.hi, c.loaded, c.size = 0, 1, true, hi, 0, BATCH
    M.cur[side] = c
  end
  return c
end
local function readBatch(M, side, c)
  local off = '0'
  if c.n > 0 then off = fmt('%d', c.n) end
  local size = c.size
  local v = call('ZRANGE', M.k[side], '-inf', c.hi, 'BYSCORE', 'LIMIT', off, size)
  local m = #v
  local ks = c.ks
  for i = 1, m do ks[c.n + i] = v[i] end
  c.n = c.n + m
  c.more = m == size
  if size < MAX_BATCH then c.size = size * 2 end
  if m > 0 then
    loadOrders(ks, c.loaded + 1, c.n)
    c.loaded = c.n
  end
end
-- the first maker on `side` within the bound not consumed by this command, its record loaded
local function front(M, side, hi)
  local c = cursor(M, side, hi)
  while true do
    if c.pos > c.n then
      if not c.more then return nil end
      readBatch(M, side, c)
      if c.pos > c.n then return nil end
    end
    local o = ORD[c.ks[c.pos]]
    if o.M == nil then o.M = M end
    if o.st ~= 'gone' then return o end
    c.pos = c.pos + 1
  end
end
-- the best price on `side` within the bound, or nil
local function frontPrice(M, side, hi)
  local o = front(M, side, hi)
  if o == nil then return nil end
  return o.price
end
-- the best price on `side` whatever the bound, not counting members consumed so far (a plain peek)
local function bestPrice(M, side)
  local c = M.cur[side]
  local off = '0'
  if c ~= nil then
    local p = frontPrice(M, side, nil)
    if p ~= nil then return p end
    off = fmt('%d', c.n)
  end
  local v = call('ZRANGE', M.k[side], off, off, 'WITHSCORES')
  if #v == 0 then return nil end
  local p = tonumber(v[2])
  if side == 0 then p = -p end
  return p
end
-- the users of the makers a taker of `need` lots will probably meet first (read with the taker's
-- balances in one HMGET; a maker beyond the guess is read when met)
local function guessMakers(M, side, need, hi)
  local c = cursor(M, side, hi)
  if c.n == 0 and c.more then readBatch(M, side, c) end
  for i = 1, c.n do
    local o = ORD[c.ks[i]]
    wantBal(o.user, M.qi)
    wantBal(o.user, M.bi)
    need = need - o.rem
    if need <= 0 then return end
  end
end

-- funds a resting order holds: quote for a buy, base for a sell
local function lockedBy(o)
  local M = o.M
  if o.side == 0 then return o.rem * o.price * M.qptl end
  return o.rem * M.bpl
end

-- engine-state.ts cancelResting; the order's record (as read) goes to the output
local function cancelResting(o, tag)
  local M = o.M
  local r = bal(o.user, o.side == 0 and M.qi or M.bi)
  local release = lockedBy(o)
  r.l = r.l - release
  r.a = r.a + release
  touch(r)
  local lv = level(M, o.side, o.price)
  lv.delta = lv.delta - o.rem
  markOrder(o, 'gone')
  OUT[#OUT + 1] = fmt(tag, o.id, #o.rec)
  OUT[#OUT + 1] = o.rec
end
