-- Several commands in one call (the client coalesces the commands its callers have in flight; see
-- redis-engine.ts). ARGV: the number of commands, then per command `<script> <key count> <key
-- indexes into KEYS...> <argument count> <arguments...>`. Each command runs exactly as its own FCALL
-- would (begin() resets the per-command state; its writes and its stream entry are its own), in order.
-- Reply: an array, one reply per command; a command that fails with a Lua error (a bug: no command
-- writes before its write phase) gets `?<message>` and the others still run.
local function runBatch(KEYS, ARGV, FN)
  local out = {}
  local p = 2
  for i = 1, tonumber(ARGV[1]) do
    local fn = FN[ARGV[p]]
    if fn == nil then error('hooats: unknown batched script ' .. tostring(ARGV[p])) end
    local nk = tonumber(ARGV[p + 1])
    local ks = {}
    for j = 1, nk do ks[j] = KEYS[tonumber(ARGV[p + 1 + j])] end
    p = p + 2 + nk
    local na = tonumber(ARGV[p])
    local as = { unpack(ARGV, p + 1, p + na) }
    p = p + 1 + na
    local ok, r = pcall(fn, ks, as)
    if ok then
      out[i] = r
    elseif type(r) == 'table' and r.err ~= nil then
      out[i] = '?' .. r.err
    else
      out[i] = '?' .. tostring(r)
    end
  end
  return out
end
