-- deapi-wasm's fleet quota (one bucket of one API key): `acquire` reserves or answers how long to wait,
-- `report` records what a response said. KEYS, ARGV and replies: src/core/fleet.rs.
if redis.replicate_commands then pcall(redis.replicate_commands) end
local log, meta = KEYS[1], KEYS[2]
local now = tonumber(ARGV[2])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local W = tonumber(ARGV[3])
local DAY = 86400000
local day = math.floor(now / DAY)
local midnight = (day + 1) * DAY
local m = redis.call('HMGET', meta, 'l', 'dl', 'd', 'dc', 'p', 'df', 'pr')
local limit, dlimit = tonumber(m[1]), tonumber(m[2])
local dcount = 0
if tonumber(m[3]) == day then dcount = tonumber(m[4]) or 0 end
local paused, spent, probe = tonumber(m[5]) or 0, tonumber(m[6]), tonumber(m[7]) or 0

-- the meta hash lives past midnight UTC (the day's count) and past its pause, never shorter than it was
local function keep(extra)
  local ttl = math.max(midnight - now + W, extra or 0)
  if redis.call('PTTL', meta) < ttl then redis.call('PEXPIRE', meta, ttl) end
end
-- reservations older than W no longer count
redis.call('ZREMRANGEBYSCORE', log, '-inf', now - W)
local function add(n)
  for _ = 1, n do
    local s = redis.call('HINCRBY', meta, 's', 1)
    redis.call('ZADD', log, now, s)
  end
  if n > 0 then redis.call('PEXPIRE', log, W) end
end

if ARGV[1] == 'acquire' then
  if paused > now then return {2, paused - now} end
  if spent == day or (dlimit and dcount >= dlimit) then return {3, midnight - now} end
  if not limit then
    if probe > now then return {4, probe - now} end
    redis.call('HSET', meta, 'pr', now + tonumber(ARGV[4]))
  elseif redis.call('ZCARD', log) >= limit then
    local oldest = redis.call('ZRANGE', log, 0, 0, 'WITHSCORES')
    return {0, math.max(1, tonumber(oldest[2]) + W - now)}
  end
  add(1)
  redis.call('HSET', meta, 'd', day, 'dc', dcount + 1)
  keep(paused - now)
  return {1, 0}
end

if ARGV[1] == 'report' then
  local l, r = tonumber(ARGV[4]), tonumber(ARGV[5])
  local dl, dr = tonumber(ARGV[6]), tonumber(ARGV[7])
  local pause = tonumber(ARGV[8]) or 0
  if l and l >= 1 then
    redis.call('HSET', meta, 'l', l)
    redis.call('HDEL', meta, 'pr')
    -- the server counted more in its window than the fleet reserved (the key is spent elsewhere, or
    -- processes paced themselves while the store was down): the difference joins the log, as of now
    if r then add(math.min(l, math.max(0, (l - r) - redis.call('ZCARD', log)))) end
  end
  if dl and dl >= 1 then
    redis.call('HSET', meta, 'dl', dl)
    if dr and dl - dr > dcount then redis.call('HSET', meta, 'd', day, 'dc', dl - dr) end
  end
  if ARGV[9] == '1' then redis.call('HSET', meta, 'df', day) end
  if pause > 0 and now + pause > paused then
    paused = now + pause
    redis.call('HSET', meta, 'p', paused)
  end
  keep(paused - now)
  return {1, 0}
end
return redis.error_reply('deapi quota: unknown operation')
