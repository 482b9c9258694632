-- The write phase: every change the command made, written with as few calls as possible, then its
-- events appended to one capped stream. Nothing before this point writes.

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

local function flushOrders()
  local oidxSet, oidxDel, cidSet, cidDel = {}, {}, {}, {}
  local markets = {}
  local uoAdd, uoDel, uoKeys = {}, {}, {}
  for i = 1, #ORDLIST do
    local o = ORDLIST[i]
    local M = o.M
    local w = M.w
    if w == nil then
      w = { hset = {}, hdel = {}, zadd = { [0] = {}, [1] = {} }, zrem = { [0] = {}, [1] = {} } }
      M.w = w
      markets[#markets + 1] = M
    end
    local key = OK(o.id)
    local st = o.st
    if st == 'gone' or st == 'new' then
      local uk = M.base .. 'uo:' .. o.user
      if uoAdd[uk] == nil then
        uoAdd[uk] = {}
        uoDel[uk] = {}
        uoKeys[#uoKeys + 1] = uk
      end
      if st == 'gone' then
        w.hdel[#w.hdel + 1] = key
        local z = w.zrem[o.side]
        z[#z + 1] = key
        local d = uoDel[uk]
        d[#d + 1] = key
        oidxDel[#oidxDel + 1] = key
        if o.cid then cidDel[#cidDel + 1] = cidField(o.user, o.cid) end
      else
        w.hset[#w.hset + 1] = key
        w.hset[#w.hset + 1] = packOrder(o)
        local z = w.zadd[o.side]
        z[#z + 1] = I(o.side == 0 and -o.price or o.price)
        z[#z + 1] = key
        local a = uoAdd[uk]
        a[#a + 1] = I(o.id)
        a[#a + 1] = key
        oidxSet[#oidxSet + 1] = key
        oidxSet[#oidxSet + 1] = M.idx
        if o.cid then
          cidSet[#cidSet + 1] = cidField(o.user, o.cid)
          cidSet[#cidSet + 1] = I(o.id)
        end
      end
    else
      w.hset[#w.hset + 1] = key
      w.hset[#w.hset + 1] = packOrder(o)
    end
  end
  for i = 1, #markets do
    local M = markets[i]
    local w = M.w
    if #w.hdel > 0 then callChunked('HDEL', M.k_o, w.hdel, 1) end
    if #w.hset > 0 then callChunked('HSET', M.k_o, w.hset, 2) end
    if #w.zrem[0] > 0 then callChunked('ZREM', M.k_bids, w.zrem[0], 1) end
    if #w.zrem[1] > 0 then callChunked('ZREM', M.k_asks, w.zrem[1], 1) end
    if #w.zadd[0] > 0 then callChunked('ZADD', M.k_bids, w.zadd[0], 2) end
    if #w.zadd[1] > 0 then callChunked('ZADD', M.k_asks, w.zadd[1], 2) end
  end
  for i = 1, #uoKeys do
    local uk = uoKeys[i]
    if #uoDel[uk] > 0 then callChunked('ZREM', uk, uoDel[uk], 1) end
    if #uoAdd[uk] > 0 then callChunked('ZADD', uk, uoAdd[uk], 2) end
  end
  if #oidxDel > 0 then callChunked('HDEL', K_OIDX, oidxDel, 1) end
  if #oidxSet > 0 then callChunked('HSET', K_OIDX, oidxSet, 2) end
  if #cidDel > 0 then callChunked('HDEL', K_CID, cidDel, 1) end
  if #cidSet > 0 then callChunked('HSET', K_CID, cidSet, 2) end
end

local function flushMarket(M)
  local set, del = {}, {}
  local zadd = { [0] = {}, [1] = {} }
  local zrem = { [0] = {}, [1] = {} }
  for s = 0, 1 do
    local list = s == 0 and M.tbids or M.tasks
    for i = 1, #list do
      local lv = list[i]
      if lv.total > 0 then
        set[#set + 1] = lv.key
        set[#set + 1] = I(lv.total)
        if lv.init == 0 then
          local z = zadd[s]
          z[#z + 1] = I(s == 0 and -lv.price or lv.price)
          z[#z + 1] = I(lv.price)
        end
      elseif lv.init > 0 then
        del[#del + 1] = lv.key
        local z = zrem[s]
        z[#z + 1] = I(lv.price)
      end
    end
  end
  if #set > 0 then callChunked('HSET', M.k_lt, set, 2) end
  if #del > 0 then callChunked('HDEL', M.k_lt, del, 1) end
  if #zadd[0] > 0 then callChunked('ZADD', M.k_bl, zadd[0], 2) end
  if #zadd[1] > 0 then callChunked('ZADD', M.k_al, zadd[1], 2) end
  if #zrem[0] > 0 then callChunked('ZREM', M.k_bl, zrem[0], 1) end
  if #zrem[1] > 0 then callChunked('ZREM', M.k_al, zrem[1], 1) end
  if M.seqChanged or M.poolTouched then
    call('HSET', M.k_m, 'seq', I(M.seq), 'pb', I(M.pb), 'pq', I(M.pq))
  end
end

local function levelsJson(list)
  local out = {}
  for i = 1, #list do out[i] = '[' .. I(list[i].price) .. ',' .. I(list[i].total) .. ']' end
  return '[' .. tconcat(out, ',') .. ']'
end

-- engine-state.ts finish(): balance events, then per changed market its pool and its book diff;
-- then every write, and the events as one entry of `stream`. Returns {result JSON, events JSON}.
local function finishCommand(result, stream)
  for i = 1, #TB do
    local r = TB[i]
    ev('{"type":"balance","userId":' .. J(r.u) .. ',"asset":' .. J(ANAME[r.ai]) .. ',"available":' .. I(r.a) .. ',"locked":' .. I(r.l) .. '}')
  end
  for i = 1, #TM do
    local M = TM[i]
    if M.poolTouched then
      ev('{"type":"pool","pair":' .. M.jpair .. ',"baseReserve":' .. I(M.pb) .. ',"quoteReserve":' .. I(M.pq) .. '}')
    end
    if #M.tbids > 0 or #M.tasks > 0 then
      M.seq = M.seq + 1
      M.seqChanged = true
      ev('{"type":"book","pair":' .. M.jpair .. ',"seq":' .. I(M.seq) .. ',"bids":' .. levelsJson(M.tbids) .. ',"asks":' .. levelsJson(M.tasks) .. '}')
    end
  end
  local events = '[' .. tconcat(EV, ',') .. ']'
  local n = nil
  if #EV > 0 then
    local c = ctr()
    c.cmd = c.cmd + 1
    c.dirty = true
    n = c.cmd
  end

  flushOrders()
  for i = 1, #TM do flushMarket(TM[i]) end
  if #TB > 0 then
    local set = {}
    for i = 1, #TB do
      local r = TB[i]
      set[#set + 1] = r.f
      set[#set + 1] = I(r.a) .. ' ' .. I(r.l)
    end
    callChunked('HSET', K_BAL, set, 2)
  end
  if #NEWACCT > 0 then callChunked('HSET', K_ACCT, NEWACCT, 2) end
  local cset = {}
  if CTR ~= nil and CTR.dirty then
    cset = { 'oid', I(CTR.oid), 'tid', I(CTR.tid), 'nacct', I(CTR.nacct), 'cmd', I(CTR.cmd) }
  end
  for i = 1, #SUPPLY_DIRTY do
    local ai = SUPPLY_DIRTY[i]
    cset[#cset + 1] = 's' .. ai
    cset[#cset + 1] = I(SUPPLY[ai])
  end
  if #cset > 0 then call('HSET', K_CTR, unpack(cset)) end
  if n ~= nil then call('XADD', stream, 'MAXLEN', '~', MAXLEN, '*', 'n', I(n), 'ev', events) end
  return { result, events }
end

-- The start of every command function: its keys and arguments, and fresh per-command state.
local function begin(keys, args)
  KEYS, ARGV = keys, args
  K_BAL, K_ACCT, K_CID, K_CTR, K_OIDX, K_AEV = keys[1], keys[2], keys[3], keys[4], keys[5], keys[6]
  TIME, MAXLEN = args[1], args[2]
  JCACHE = {}
  CTR = nil
  SUPPLY, SUPPLY_DIRTY, SUPPLY_SEEN = {}, {}, {}
  BAL, TB, ANAME = {}, {}, {}
  ACCT, NEWACCT = {}, {}
  EV, TM = {}, {}
  ORD, ORDLIST = {}, {}
end
