-- Shared by every wrk script of bench/: a seeded random generator per
-- thread and a done() that writes one JSON line of figures to $WRK_OUT
-- (appended), besides wrk's own text report.
--
-- wrk runs setup() and done() in one Lua state and each thread's
-- init()/request()/response() in its own, so per-thread state lives in
-- globals of the thread's state.

local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("thread_index", counter)
end

function seed_random()
  -- thread_index is set by setup(); os.time() alone would give both
  -- threads the same sequence.
  math.randomseed(os.time() * 1000 + (thread_index or 0) * 7919)
  math.random(); math.random()
end

function done(summary, latency, requests)
  local path = os.getenv("WRK_OUT")
  if not path then return end
  local e = summary.errors
  local seconds = summary.duration / 1e6
  local f = assert(io.open(path, "a"))
  f:write(string.format(
    '{"label":"%s","requests":%d,"duration_s":%.3f,"rps":%.1f,' ..
    '"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,"mean_ms":%.3f,' ..
    '"non_2xx":%d,"timeouts":%d,"socket_errors":%d}\n',
    os.getenv("WRK_LABEL") or "", summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, latency.mean / 1000,
    e.status, e.timeout, e.connect + e.read + e.write))
  f:close()
end
