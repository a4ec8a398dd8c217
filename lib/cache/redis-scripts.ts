/**
 * The Redis store's Lua, all of it (the protocol: README.md). Every script takes its keys' prefix as
 * ARGV[1] and builds the key names itself, so it needs a standalone Redis (or a Sentinel-managed
 * primary), not Redis Cluster. Keys, under the prefix:
 *
 * - `seq`: the one sequence every stamp and epoch is drawn from (INCR); never reset to a lower value.
 * - `meta`: a hash: `epoch` (the current epoch), `tick` (the server time of the last heartbeat, µs),
 *   `quiet` (the server time, µs, before which no entry is a hit).
 * - `v:<dep>`: the current stamp of a dependency (with a TTL; a missing one is drawn anew).
 * - `e:<key>`: an entry, a hash: `value`, `epoch`, `ndeps`, and `d:<dep>` → the stamp recorded per dependency.
 * - `i:<key>`: an immutable value (a plain string with a TTL; no script).
 *
 * Stamps travel as decimal strings: Lua numbers are doubles, exact for integers up to 2^53 (the
 * server's clock in µs reaches that in the year 2255), and `%.0f` prints them without an exponent.
 */

/** Shared by every script: the clock, the sequence, the epoch and its safety checks. */
const PRELUDE = `
local prefix = ARGV[1]
local SEQ, META = prefix .. 'seq', prefix .. 'meta'

local function fmt(n) return string.format('%.0f', n) end

local function now_us()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000000 + tonumber(t[2])
end

-- A fresh value of the sequence. If the sequence is gone (a restart, an eviction, a hand), it restarts
-- from the server's clock in microseconds, above every value drawn before unless the clock went back
-- (more draws than microseconds elapsed are impossible in practice), and above the current epoch; and
-- a new epoch is started, so that even after a clock step backwards no older entry can match.
local function draw()
  if redis.call('EXISTS', SEQ) == 0 then
    local start = now_us()
    local epoch = tonumber(redis.call('HGET', META, 'epoch') or '')
    if epoch and epoch >= start then start = epoch + 1 end
    redis.call('SET', SEQ, fmt(start))
    redis.call('HSET', META, 'epoch', fmt(redis.call('INCR', SEQ)))
  end
  return fmt(redis.call('INCR', SEQ))
end

-- The current epoch and whether hits may be served. A missing meta hash (a restart without the data,
-- an eviction) or a heartbeat gap longer than gap_us (the server was stopped or hung, or every replica
-- lost it) starts a new epoch and a quiet period: a replica that could not reach Redis may have
-- acknowledged writes without bumping, and every replica bumps the epoch when it reconnects, which the
-- quiet period waits for. gap_us = 0 disables the gap check (then nothing ticks).
local function current(gap_us, quiet_us, tick)
  local now = now_us()
  -- Settle a lost sequence (and the epoch that goes with it) before anything is compared.
  if redis.call('EXISTS', SEQ) == 0 then draw() end
  local m = redis.call('HMGET', META, 'epoch', 'tick', 'quiet')
  local epoch, last, quiet = m[1], tonumber(m[2] or ''), tonumber(m[3] or '')
  local gap = gap_us > 0 and (last == nil or now - last > gap_us or now < last)
  if not epoch or gap then
    epoch = draw()
    quiet = now + quiet_us
    redis.call('HSET', META, 'epoch', epoch, 'quiet', fmt(quiet), 'tick', fmt(now))
  elseif tick then
    redis.call('HSET', META, 'tick', fmt(now))
  end
  return epoch, quiet == nil or now >= quiet
end

local function stamp_ttl() return tonumber(ARGV[4]) end

-- The current stamp of a dependency, drawn (and kept for stamp_ttl ms) when there is none.
local stamp_cache = {}
local function stamp_of(dep)
  local stamp = stamp_cache[dep]
  if stamp then return stamp end
  local key = prefix .. 'v:' .. dep
  stamp = redis.call('GET', key)
  if not stamp then
    stamp = draw()
    redis.call('SET', key, stamp, 'PX', stamp_ttl())
  end
  stamp_cache[dep] = stamp
  return stamp
end
`;

/**
 * ARGV: prefix, gap_us, quiet_us, stamp_ttl_ms, n, then per request: key, k, dep_1 … dep_k.
 * Returns per request {1, value} for a hit, or {0, epoch, stamp_1 … stamp_k} for a miss.
 */
export const READ = `${PRELUDE}
local epoch, serving = current(tonumber(ARGV[2]), tonumber(ARGV[3]), false)
local out = {}
local i = 6
for r = 1, tonumber(ARGV[5]) do
  local key, k = ARGV[i], tonumber(ARGV[i + 1])
  i = i + 2
  local stamps = {}
  for j = 1, k do stamps[j] = stamp_of(ARGV[i + j - 1]) end
  local hit = false
  if serving then
    local fields = {'value', 'epoch', 'ndeps'}
    for j = 1, k do fields[3 + j] = 'd:' .. ARGV[i + j - 1] end
    local h = redis.call('HMGET', prefix .. 'e:' .. key, unpack(fields))
    if h[1] and h[2] == epoch and tonumber(h[3]) == k then
      hit = true
      for j = 1, k do
        if h[3 + j] ~= stamps[j] then hit = false; break end
      end
    end
    if hit then out[r] = {1, h[1]} end
  end
  if not hit then out[r] = {0, epoch, unpack(stamps)} end
  i = i + k
end
return out
`;

/**
 * ARGV: prefix, -, -, -, n, then per entry: key, ttl_ms, epoch, k, dep_1, stamp_1 … dep_k, stamp_k, value.
 * Stores an entry only while its epoch and stamps are all still current (a stale fill could never be a
 * hit, and must not replace a newer entry). Returns the number stored.
 */
export const FILL = `${PRELUDE}
local epoch = redis.call('HGET', META, 'epoch')
local stored = 0
local i = 6
for r = 1, tonumber(ARGV[5]) do
  local key, ttl, entry_epoch, k = ARGV[i], ARGV[i + 1], ARGV[i + 2], tonumber(ARGV[i + 3])
  i = i + 4
  local current = entry_epoch == epoch
  local fields = {'epoch', entry_epoch, 'ndeps', tostring(k)}
  for j = 0, k - 1 do
    local dep, stamp = ARGV[i + 2 * j], ARGV[i + 2 * j + 1]
    if current and redis.call('GET', prefix .. 'v:' .. dep) ~= stamp then current = false end
    fields[#fields + 1] = 'd:' .. dep
    fields[#fields + 1] = stamp
  end
  i = i + 2 * k
  local value = ARGV[i]
  i = i + 1
  if current then
    local ekey = prefix .. 'e:' .. key
    redis.call('DEL', ekey)
    redis.call('HSET', ekey, 'value', value, unpack(fields))
    redis.call('PEXPIRE', ekey, ttl)
    stored = stored + 1
  end
end
return stored
`;

/** ARGV: prefix, -, -, stamp_ttl_ms, dep_1 … dep_n. Gives each a fresh stamp. */
export const BUMP = `${PRELUDE}
for i = 5, #ARGV do
  redis.call('SET', prefix .. 'v:' .. ARGV[i], draw(), 'PX', stamp_ttl())
end
return #ARGV - 4
`;

/**
 * ARGV: prefix, -, quiet_us. A new epoch (no older entry is a hit again) and a quiet period: this
 * client recovers from an outage, and the others that lost Redis too must get to bump before anyone
 * serves hits (README.md, "Outages"). Returns the new epoch.
 */
export const BUMP_EPOCH = `${PRELUDE}
local now = now_us()
local epoch = draw()
redis.call('HSET', META, 'epoch', epoch, 'quiet', fmt(now + tonumber(ARGV[3])), 'tick', fmt(now))
return epoch
`;

/** ARGV: prefix, gap_us, quiet_us. The heartbeat: a sign of life, and the gap check when none came. */
export const TICK = `${PRELUDE}
current(tonumber(ARGV[2]), tonumber(ARGV[3]), true)
return 1
`;
