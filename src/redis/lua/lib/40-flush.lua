-- The write phase: every change the command made, written with as few calls as possible, then the
-- reply (the output pieces) appended to one capped stream and returned. Nothing before this point writes.

-- calls `cmd key args...` with at most 1000 arguments at a time (Lua's unpack has a stack limit)
local function callChunked(cmd, key, list, step)
  local n = #list
  local chunk = 1000 * step
  for s = 1, n, chunk do
    local e = s + chunk - 1
    if e > n then e = n end
    call(cmd, key, unpack(list, s, e))
  end
end

local function push(t, k, a, b)
  local l = t[k]
  if l == nil then
    l = {}
    t[k] = l
    t[#t + 1] = k
  end
  l[#l + 1] = a
  if b ~= nil then l[#l + 1] = b end
end

-- orders: the order hash, the books, the users' open-order sets, the clientOrderId index
-- an order's book score as text: -price for bids, price for asks
local function score(o)
  if o.side == 0 then return fmt('-%d', o.price) end
  return fmt('%d', o.price)
end

-- the common case, one order: its writes without the batching tables
local function flushOne(o)
  local k = o.k
  local ko = ABASE .. 'o'
  local st = o.st
  if st == 'dirty' then
    call('HSET', ko, k, fmt('%d', o.rem) .. sub(o.rec, (find(o.rec, ' ', 1, true))))
    return
  end
  local uk = ABASE .. 'u:' .. o.user
  local bk = o.M.k[o.side]
  if st == 'gone' then
    call('HDEL', ko, k)
    call('ZREM', bk, k)
    call('ZREM', uk, k)
    if o.cid then call('HDEL', ABASE .. 'cid', cidField(o.user, o.cid)) end
  else
    call('HSET', ko, k, fmt('%d ', o.rem) .. o.desc)
    call('ZADD', bk, score(o), k)
    call('ZADD', uk, k, k)
    if o.cid then call('HSET', ABASE .. 'cid', cidField(o.user, o.cid), fmt('%d', o.id)) end
  end
end

local function flushOrders()
  if #ORDLIST == 0 then return end
  if #ORDLIST == 1 then return flushOne(ORDLIST[1]) end
  local oset, odel, cset, cdel = {}, {}, {}, {}
  local zadd, zrem = {}, {}
  for i = 1, #ORDLIST do
    local o = ORDLIST[i]
    local st = o.st
    local k = o.k
    if st == 'dirty' then
      oset[#oset + 1] = k
      oset[#oset + 1] = fmt('%d', o.rem) .. sub(o.rec, (find(o.rec, ' ', 1, true)))
    else
      local uk = ABASE .. 'u:' .. o.user
      local bk = o.M.k[o.side]
      if st == 'gone' then
        odel[#odel + 1] = k
        push(zrem, bk, k)
        push(zrem, uk, k)
        if o.cid then cdel[#cdel + 1] = cidField(o.user, o.cid) end
      else
        oset[#oset + 1] = k
        oset[#oset + 1] = fmt('%d ', o.rem) .. o.desc
        push(zadd, bk, score(o), k)
        push(zadd, uk, k, k)
        if o.cid then
          cset[#cset + 1] = cidField(o.user, o.cid)
          cset[#cset + 1] = fmt('%d', o.id)
        end
      end
    end
  end
  local ko = ABASE .. 'o'
  if #odel > 0 then callChunked('HDEL', ko, odel, 1) end
  if #oset > 0 then callChunked('HSET', ko, oset, 2) end
  for i = 1, #zrem do callChunked('ZREM', zrem[i], zrem[zrem[i]], 1) end
  for i = 1, #zadd do callChunked('ZADD', zadd[i], zadd[zadd[i]], 2) end
  if #cdel > 0 then callChunked('HDEL', ABASE .. 'cid', cdel, 1) end
  if #cset > 0 then callChunked('HSET', ABASE .. 'cid', cset, 2) end
end

-- one side's touched levels: HINCRBY each by its change; the new totals go to the book event
local function flushLevels(M, list, side)
  local head = side == 0 and 'b%d' or 'a%d'
  local kl = side == 0 and M.k.bl or M.k.al
  for i = 1, #list do
    local lv = list[i]
    local f = fmt(head, lv.price)
    local total
    if lv.delta == 0 then
      total = tonumber(call('HGET', M.k.lt, f)) or 0
    else
      total = call('HINCRBY', M.k.lt, f, fmt('%d', lv.delta))
      if total == 0 then
        call('HDEL', M.k.lt, f)
        call('ZREM', kl, fmt('%d', lv.price))
      elseif total == lv.delta then
        call('ZADD', kl, side == 0 and -lv.price or lv.price, fmt('%d', lv.price))
      end
    end
    OUT[#OUT + 1] = fmt(' %d %d', lv.price, total)
  end
end

-- engine-state.ts finish(): the balance events (` W<count>` then ` <asset> <available> <locked> <len> <user>`
-- each), then per changed market its pool (` P<market> <base> <quote>`) and its book diff
-- (` K<market> <seq> <bid levels> <ask levels>` then ` <price> <total>` each); then every write, and
-- the reply as one stream entry {n, <kind>, <command>, r, <reply>}. Returns the reply.
local HS, NH = {}, 0
local function put(f, v)
  HS[NH + 1] = f
  HS[NH + 2] = fmt('%d', v)
  NH = NH + 2
end
local function finishCommand(stream, kind, command)
  clearList(HS)
  NH = 0
  OUT[#OUT + 1] = fmt(' W%d', #TB)
  for i = 1, #TB do
    local r = TB[i]
    OUT[#OUT + 1] = fmt(' %d %d %d %d ', r.ai, r.a, r.l, #r.u)
    OUT[#OUT + 1] = r.u
    put(r.fa, r.a)
    put(r.fl, r.l)
  end
  flushOrders()
  for i = 1, #TM do
    local M = TM[i]
    if M.poolTouched then
      OUT[#OUT + 1] = fmt(' P%d %d %d', M.mi, M.pb, M.pq)
      put(M.S.fpb, M.pb)
      put(M.S.fpq, M.pq)
    end
    if #M.tb > 0 or #M.ta > 0 then
      if not M.ok then fetch() end
      local seq = M.seq + 1
      put(M.S.fseq, seq)
      OUT[#OUT + 1] = fmt(' K%d %d %d %d', M.mi, seq, #M.tb, #M.ta)
      flushLevels(M, M.tb, 0)
      flushLevels(M, M.ta, 1)
    end
  end
  if not CT.ok then fetch() end
  if CT.oidChanged then put('oid', CT.oid) end
  if NTRADE > 0 then put('tid', TID0 + NTRADE) end
  if USER ~= nil and USER.new then
    put('nacct', CT.nacct)
    put('n:' .. USER.u, USER.n)
  end
  for i = 1, #SUPD do put(SUPD[i].f, SUPD[i].v) end
  local n = CT.cmd + 1
  put('cmd', n)
  callChunked('HSET', K_S, HS, 2)
  local reply = tconcat(OUT)
  call('XADD', stream, 'MAXLEN', '~', MAXLEN, '*', 'n', fmt('%d', n), kind, command, 'r', reply)
  return reply
end

-- The start of every command function: its keys and arguments, and fresh per-command state.
local ABASES = {}
local function begin(keys, args)
  K_S = keys[1]
  ABASE = ABASES[K_S]
  if ABASE == nil then
    ABASE = sub(K_S, 1, -2)
    ABASES[K_S] = ABASE
  end
  MAXLEN = args[1]
  NW = 0
  CT.oid, CT.tid, CT.cmd, CT.nacct, CT.ok, CT.oidChanged = 0, 0, 0, 0, false, false
  USER = nil
  clearMap(SUP)
  clearList(SUPD)
  dropBalances()
  clearList(TB)
  ORD = {}
  clearList(ORDLIST)
  clearList(TM)
  clearList(OUT)
  OUT[1] = ''
  TID0, NTRADE = nil, 0
end
