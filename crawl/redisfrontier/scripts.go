package redisfrontier

import "github.com/redis/go-redis/v9"

// The frontier's operations are Lua scripts, each atomic in Redis, so
// that workers racing for the same URLs never see a half-done step. An
// entry is stored as "DEPTH URL" or "DEPTH URL REFERRER" (a normalized URL
// has no space). Times
// are Redis's own (TIME), so workers' clocks need not agree.

// prelude is shared by the scripts: the time in ms, and admission.
const prelude = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- admit queues the entries argv[from..to] whose URL was never admitted,
-- while the crawl is within max (0: no bound); it returns how many.
local function admit(seen, queue, admitted_key, max, argv, from, to)
  local admitted = tonumber(redis.call('GET', admitted_key) or '0')
  local n = 0
  for i = from, to do
    if max > 0 and admitted >= max then break end
    local entry = argv[i]
    local from = string.find(entry, ' ', 1, true) + 1
    local to = string.find(entry, ' ', from, true)
    local url = to and string.sub(entry, from, to - 1) or string.sub(entry, from)
    if redis.call('SADD', seen, url) == 1 then
      redis.call('RPUSH', queue, entry)
      admitted = admitted + 1
      n = n + 1
    end
  end
  if n > 0 then redis.call('SET', admitted_key, admitted) end
  return n
end

-- take leases up to n entries of the queue to worker, first putting back
-- in front of the queue those whose leases expired; it returns them, and
-- how many expired.
local function take(queue, leases, owners, workers, n, lease, worker)
  local now = now_ms()
  local expired = redis.call('ZRANGEBYSCORE', leases, '-inf', now, 'LIMIT', 0, 1000)
  for i = #expired, 1, -1 do
    redis.call('ZREM', leases, expired[i])
    redis.call('HDEL', owners, expired[i])
    redis.call('LPUSH', queue, expired[i])
  end
  redis.call('ZADD', workers, now, worker)
  local taken = {}
  if n > 0 then taken = redis.call('LPOP', queue, n) or {} end
  for _, entry in ipairs(taken) do
    redis.call('ZADD', leases, now + lease, entry)
    redis.call('HSET', owners, entry, worker)
  end
  return taken, #expired
end
`

// openScript joins or starts a crawl. KEYS: settings, hosts, seen,
// queue, admitted. ARGV: settings, max, the number of hosts, the hosts,
// the seeds. It writes nothing unless the settings agree.
var openScript = redis.NewScript(prelude + `
local current = redis.call('GET', KEYS[1])
local nhosts = tonumber(ARGV[3])
if current and current ~= ARGV[1] then return {'settings', current} end
if not current then
  if nhosts == 0 then return {'nocrawl'} end
  redis.call('SET', KEYS[1], ARGV[1])
end
for i = 1, nhosts do redis.call('SADD', KEYS[2], ARGV[3 + i]) end
local n = admit(KEYS[3], KEYS[4], KEYS[5], tonumber(ARGV[2]), ARGV, 4 + nhosts, #ARGV)
return {'ok', n, redis.call('SMEMBERS', KEYS[2])}
`)

// takeScript leases up to n entries to a worker, first putting back in
// front of the queue the entries whose leases expired. KEYS: queue,
// leases, owners, workers. ARGV: n, lease (ms), worker. It returns
// {finished, reclaimed, entries...}.
var takeScript = redis.NewScript(prelude + `
local taken, expired = take(KEYS[1], KEYS[2], KEYS[3], KEYS[4], tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3])
local finished = 0
if #taken == 0 and redis.call('ZCARD', KEYS[2]) == 0 then finished = 1 end
local out = {finished, expired}
for _, entry in ipairs(taken) do out[#out + 1] = entry end
return out
`)

// doneScript ends a worker's leases on entries with their outcomes,
// admits the links found on them, and takes entries for the worker's next
// fetches: a batch of pages in one call, and no call of its own for what
// comes next. KEYS: leases, owners, stats, seen, queue, admitted,
// workers. ARGV: worker, max, how many to take, lease (ms), then per page:
// entry, outcome, the number of links found, the links. It returns how
// many links of each page were admitted, then the entries taken. An entry
// whose lease expired and that waits in the queue again is taken out of
// it: it was fetched. One that another worker took since is left to it.
var doneScript = redis.NewScript(prelude + `
local worker, max = ARGV[1], tonumber(ARGV[2])
local out = {}
local i = 5
while i <= #ARGV do
  local entry, outcome, nfound = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2])
  local owner = redis.call('HGET', KEYS[2], entry)
  if owner == worker then
    redis.call('ZREM', KEYS[1], entry)
    redis.call('HDEL', KEYS[2], entry)
  elseif not owner then
    redis.call('LREM', KEYS[5], 1, entry)
  end
  redis.call('HINCRBY', KEYS[3], outcome, 1)
  redis.call('HINCRBY', KEYS[3], outcome .. ':' .. worker, 1)
  out[#out + 1] = admit(KEYS[4], KEYS[5], KEYS[6], max, ARGV, i + 3, i + 2 + nfound)
  i = i + 3 + nfound
end
local taken = take(KEYS[5], KEYS[1], KEYS[2], KEYS[7], tonumber(ARGV[3]), tonumber(ARGV[4]), worker)
for _, entry in ipairs(taken) do out[#out + 1] = entry end
return out
`)

// giveBackScript gives back the entries still leased to a worker, in
// front of the queue, in order. KEYS: leases, owners, queue. ARGV:
// worker, entries...
var giveBackScript = redis.NewScript(`
local n = 0
for i = #ARGV, 2, -1 do
  if redis.call('HGET', KEYS[2], ARGV[i]) == ARGV[1] then
    redis.call('ZREM', KEYS[1], ARGV[i])
    redis.call('HDEL', KEYS[2], ARGV[i])
    redis.call('LPUSH', KEYS[3], ARGV[i])
    n = n + 1
  end
end
return n
`)

// renewScript extends a worker's leases, those it still holds, and its
// slots of hosts. KEYS: leases, owners, workers, then one host key per
// slot. ARGV: worker, lease (ms), the number of leases, the leased
// entries, then the slots' entries (one per host key). It returns how
// many leases were renewed.
var renewScript = redis.NewScript(prelude + `
local now = now_ms()
local until_ms = now + tonumber(ARGV[2])
local nleases = tonumber(ARGV[3])
local renewed = 0
redis.call('ZADD', KEYS[3], now, ARGV[1])
for i = 4, 3 + nleases do
  if redis.call('HGET', KEYS[2], ARGV[i]) == ARGV[1] then
    redis.call('ZADD', KEYS[1], 'XX', until_ms, ARGV[i])
    renewed = renewed + 1
  end
end
for k = 4, #KEYS do
  redis.call('ZADD', KEYS[k], 'XX', until_ms, ARGV[3 + nleases + k - 3])
  redis.call('PEXPIRE', KEYS[k], 2 * tonumber(ARGV[2]))
end
return renewed
`)

// enterHostScript takes a slot of a host if fewer than limit are taken,
// first dropping slots whose time is over. KEYS: the host's slots.
// ARGV: limit, lease (ms), entry. It returns 1 if taken.
var enterHostScript = redis.NewScript(prelude + `
local now = now_ms()
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZSCORE', KEYS[1], ARGV[3]) or redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
  redis.call('PEXPIRE', KEYS[1], 2 * tonumber(ARGV[2]))
  return 1
end
return 0
`)
