-- deapi-wasm's fleet quota: one bucket of one API key, shared by every process through Redis.
-- One script, two operations (ARGV[1]): "acquire" reserves one request or answers how long to wait;
-- "report" records what a response said (X-RateLimit-* and a 429's Retry-After).
--
-- KEYS[1]  <prefix>:{<hash of the key id>}:<bucket>:log   ZSET of reservations (score: ms), one per request
-- KEYS[2]  <prefix>:{<hash of the key id>}:<bucket>:meta  HASH: l (minute limit learned), dl (daily limit
--          learned), d (UTC day of dc), dc (reservations that day), p (paused until, ms), df (UTC day whose
--          quota a 429 said is spent), pr (probe lease until, ms: no limit known yet), s (member sequence)
-- Both keys carry the same {hash tag}: one Redis Cluster slot, so one node's TIME is the fleet's clock.
--
-- ARGV[2]  now in ms, "" for Redis TIME (the one clock; tests inject theirs)
-- ARGV[3]  the log's width W in ms: the server's window plus a margin, so that no server window of the
--          server's length, anchored anywhere, sees more than the limit
-- acquire: ARGV[4] the probe lease in ms (while no limit is known, one request per lease or per answer)
-- report:  ARGV[4] limit, ARGV[5] remaining, ARGV[6] daily limit, ARGV[7] daily remaining ("" = not said),
--          ARGV[8] pause in ms (a 429's Retry-After; 0 none), ARGV[9] "1" when the daily quota is spent
--
-- Reply {code, ms}: 1 go (reserved) · 0 wait ms (the minute quota is in use) · 2 wait ms (paused by a
-- 429) · 3 daily quota spent, ms until midnight UTC · 4 wait ms (no limit known: another process probes)
-- Every key expires: the log W after its newest entry, the meta hash at the latest W after midnight UTC
-- or after its pause; a process killed mid-flight leaves only its reservation, which ages out with W.
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
